package io.flywheel.notebook;

/**
 * A code cell of a Flywheel notebook (docs/notebooks.md#cell-syntax): one Spark SQL query, optionally
 * preceded by a {@code %chart} line that draws its result instead of showing it as a table.
 */
public record NotebookCell(ChartSpec chart, String sql) {
  /** Parses a cell's source; a blank cell (or one of comments only) has an empty {@code sql}. */
  public static NotebookCell parse(String source) {
    ChartSpec chart = null;
    StringBuilder sql = new StringBuilder();
    boolean seenCode = false;
    for (String line : source.split("\\R", -1)) {
      String t = line.strip();
      if (t.startsWith("%")) {
        if (seenCode || chart != null) {
          throw new IllegalArgumentException("a %chart line must come first in the cell, before the SQL: " + t);
        }
        if (!t.equals("%chart") && !t.startsWith("%chart ")) {
          throw new IllegalArgumentException("unknown cell command " + t.split("\\s+")[0] + " (the only one is %chart)");
        }
        chart = ChartSpec.parse(t);
        continue;
      }
      if (!t.isEmpty() && !t.startsWith("--")) {
        seenCode = true;
      }
      sql.append(line).append('\n');
    }
    String q = seenCode ? stripTrailingSemicolon(sql.toString().strip()) : "";
    if (q.contains(";") && hasStatementBreak(q)) {
      throw new IllegalArgumentException("a cell holds one SQL query; put the next one in a cell of its own");
    }
    if (chart != null && q.isEmpty()) {
      throw new IllegalArgumentException("the %chart line needs a SQL query below it");
    }
    return new NotebookCell(chart, q);
  }

  public boolean isEmpty() {
    return sql.isEmpty();
  }

  private static String stripTrailingSemicolon(String q) {
    String s = q;
    while (s.endsWith(";")) {
      s = s.substring(0, s.length() - 1).strip();
    }
    return s;
  }

  /** A semicolon outside quotes and comments: a second statement (Spark's sql() takes one). */
  static boolean hasStatementBreak(String q) {
    char quote = 0;
    for (int i = 0; i < q.length(); i++) {
      char c = q.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
      } else if (c == '-' && i + 1 < q.length() && q.charAt(i + 1) == '-') {
        int nl = q.indexOf('\n', i);
        i = nl < 0 ? q.length() : nl;
      } else if (c == ';') {
        return true;
      }
    }
    return false;
  }
}
