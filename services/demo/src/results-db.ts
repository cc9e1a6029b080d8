import { postgresEndpoint, postgresJdbcUrl, postgresReady, stackSettings } from "@sluice/stack";

/**
 * The stack's PostgreSQL, when it answers: the jobs then upsert hourly totals and theme counts
 * into it, and the demo prints the `psql` command that shows them (never the password).
 */
export async function resultsDatabase(say: (line: string) => void): Promise<{ url: string } | undefined> {
  const settings = stackSettings();
  if (!(await postgresReady(settings))) {
    say("PostgreSQL of the stack does not answer: results stay in Kafka only");
    return undefined;
  }
  const e = postgresEndpoint(settings);
  say(
    `results in PostgreSQL: psql "postgres://${e.user}@${e.host}:${e.port}/${e.database}" ` +
      `-c 'TABLE transactions_hourly ORDER BY window_start DESC LIMIT 5' -c 'TABLE theme_counts_total ORDER BY theme_count DESC LIMIT 10'` +
      " (password: SLUICE_POSTGRES_PASSWORD, default sluice)",
  );
  return { url: postgresJdbcUrl(settings) };
}
