// `pathsum report` as a library: a model on one input, as one self-contained HTML page.
import type { Model } from '../../numeric/model.js';
import { type Expansion, type ReportOptions, reportData } from './data.js';
import { reportPage } from './page.js';

export type { Expansion, ReportData, ReportOptions, TooManyTerms } from './data.js';

export interface ReportInput {
  readonly model: Model;
  readonly tokens: readonly number[];
  /** Every term of the expansion, or, above the command's limit, their count alone. */
  readonly expansion: Expansion;
  /** The model summary, as `pathsum check` prints it. */
  readonly summary: string;
  /** The command line that made the report, printed at its top. */
  readonly command: string;
}

export function htmlReport(input: ReportInput, options: ReportOptions): Promise<string> {
  const data = reportData(input.model, input.tokens, input.expansion, options);
  return reportPage({ data, summary: input.summary, command: input.command });
}
