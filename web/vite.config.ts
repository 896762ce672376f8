import { defineConfig } from "vite";

// `atvsld up` serves the build under /dashboard/ and forwards /incidents/, /health-stats/
// and /tasks/ to the services, as the production gateway does; `npm run dev` forwards them
// to a running `atvsld up` (ATVSLD_GATEWAY, its dashboard port 8080 by default).
const gateway = process.env.ATVSLD_GATEWAY ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/dashboard/",
  server: {
    proxy: Object.fromEntries(["/incidents", "/health-stats", "/tasks"].map((p) => [p, gateway])),
  },
});
