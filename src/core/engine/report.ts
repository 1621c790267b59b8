/** What a run did, counted as it goes (the stderr summary line). */
export interface BacktestReport {
  records: number;
  orders: number;
  rejected: number;
  fills: number;
  positionsClosed: number;
  warnings: string[];
}

export function newReport(): BacktestReport {
  return { records: 0, orders: 0, rejected: 0, fills: 0, positionsClosed: 0, warnings: [] };
}
