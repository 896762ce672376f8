// Numbers the Vietnamese way (1.234,5): at most two decimals, "—" for a missing figure.
const numbers = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 2 });

export function num(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : numbers.format(value);
}

export function signedPercent(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return `${value > 0 ? "+" : ""}${numbers.format(value)} %`;
}

export function date(value: string | null | undefined): string {
  if (!value) return "—";
  return new Date(value).toLocaleDateString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" });
}

/** An element with text: the views build the page from these, never from HTML strings. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
