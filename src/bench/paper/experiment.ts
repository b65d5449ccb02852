// The shape every experiment returns: its rows as data, and the same as a table to read.
export interface ExperimentResult {
  /** File stem in the results folder: table2, table3, copies, fig3, stats. */
  name: string;
  title: string;
  /** Machine-readable rows and settings (the runs' configurations are recorded separately). */
  data: Record<string, unknown>;
  /** Markdown body: the table and how to read it. */
  markdown: string;
  /** The table for the terminal. */
  text: string;
  /** Run ids the experiment used. */
  runs: string[];
  /** Extra files written next to the tables (e.g. the Fig. 3 SVG). */
  files?: { name: string; content: string }[];
}
