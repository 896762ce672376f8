// Type-checked by clients/generate (`tsc -p clients/typescript`), never run: the generated
// types (clients/out/typescript/atvsld.d.ts) used through openapi-fetch as an integrator
// would, for the smoke test's three calls. The `@ts-expect-error` lines fail the check if
// the types ever become too loose to catch those mistakes.
import createClient from "openapi-fetch";
import type { components, paths } from "../out/typescript/atvsld";

type Schemas = components["schemas"];

const client = createClient<paths>({
  baseUrl: "http://127.0.0.1:8080",
  headers: { Authorization: "Bearer <token>", "Accept-Language": "en" },
});

export async function declareAndCount(): Promise<number> {
  const establishment: Schemas["CreateEstablishmentRequest"] = {
    tax_code: "0100047516",
    name: "Công ty TNHH Khai khoáng Cao Bằng",
    vsic_code: "07100",
    ownership_type: "2",
    commune_code: "01273",
    headcount: { total: 120, female: 30, hazardous: 80 },
  };
  const created = await client.POST("/incidents/api/v1/establishments", {
    body: establishment,
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
  });
  if (created.error) {
    const problem: Schemas["ProblemDetails"] = created.error;
    throw new Error(`${problem.code}: ${problem.detail}`);
  }
  const taxCode: string = created.data.tax_code;

  const casualty: Schemas["CasualtyDeclaration"] = {
    personal_id: "004090012345",
    full_name: "Nông Văn A",
    gender: "male",
    birth_year: 1990,
    contract_type: "indefinite",
    severity: "fatal",
  };
  const declared = await client.POST("/incidents/api/v1/accidents", {
    body: {
      sector: "with_labour_relation",
      occurred_at: "2026-03-02T08:30:00+07:00",
      notified_at: "2026-03-02T09:10:00+07:00",
      place: { address: "Khai trường mỏ, tổ 5", commune_code: "01273" },
      description: "Sạt lở đất đá tại khai trường khi đang bốc xúc.",
      employer: { tax_code: taxCode },
      casualties: [casualty],
    },
  });
  if (declared.error) throw new Error(declared.error.code);
  const severity: Schemas["Severity"] = declared.data.case_severity;

  const stats = await client.GET("/incidents/api/v1/accident-statistics", {
    params: { query: { period: "2026", group_by: "commune" } },
  });
  if (stats.error) throw new Error(stats.error.code);
  const figures: Schemas["IncidentsCounters"] | null | undefined = stats.data.total.figures;
  return (figures?.cases_fatal ?? 0) + (severity === "fatal" ? 0 : 1);
}

export function mistakesTheTypesCatch(): void {
  // @ts-expect-error: "deadly" is not a severity
  const wrongSeverity: Schemas["Severity"] = "deadly";
  // @ts-expect-error: headcount is required
  const noHeadcount: Schemas["CreateEstablishmentRequest"] = {
    tax_code: "0100047516",
    name: "x",
    vsic_code: "07100",
    ownership_type: "2",
    commune_code: "01273",
  };
  // @ts-expect-error: not a path of the suite (services live under their gateway prefix)
  void client.GET("/api/v1/accident-statistics", { params: { query: { period: "2026" } } });
  // @ts-expect-error: `period` is a required query parameter
  void client.GET("/incidents/api/v1/accident-statistics", { params: { query: {} } });
  void [wrongSeverity, noHeadcount];
}
