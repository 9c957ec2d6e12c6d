/** Figures the scenarios hand to the driver's summary; a figure a scenario did not produce stays undefined. */
export interface Results {
  sqliteFloorBookings?: number;
  postgresFloorBookings?: number;
  smtpFloorMessages?: number;
  dbosWorkflows?: number;
  dbosNote?: string;
  sqliteSynced?: number;
  sqliteMailKeptUp?: boolean;
  postgres1Synced?: number;
  postgres3Synced?: number;
  p99At50Sqlite?: number;
  p99At50Postgres?: number;
  emptyIntake?: number;
  emptySync?: number;
  seededIntake?: number;
  seededSync?: number;
  seedMethod?: string;
  seededCount?: number;
  pageBuiltinRps?: number;
  pageBuiltinP99?: number;
  pageNginxRps?: number;
  pageNginxP99?: number;
}

export const results: Results = {};
