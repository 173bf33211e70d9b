/** One rendered figure of the report: a self-contained SVG plus the words around it. */
export interface Chart {
  /** Stable HTML id (letters, digits, dashes), unique within a report. */
  id: string;
  title: string;
  /** One or two sentences under the chart: what the marks are, and any caveat (downsampling, missing data). */
  caption: string;
  /** Serialized `<svg>` element; its data marks carry the class `mark`. */
  svg: string;
  /** A remark shown above the chart, e.g. why its bars are equal. */
  note?: string;
  /** Spans the page's full width (time charts). @defaultValue false */
  wide?: boolean;
}
