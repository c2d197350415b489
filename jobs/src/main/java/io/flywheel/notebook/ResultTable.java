package io.flywheel.notebook;

import java.util.List;

/**
 * A query result as a notebook shows it: an HTML table ({@code text/html}) and aligned plain text
 * ({@code text/plain}), each saying how many rows it shows and whether the result was cut.
 */
public record ResultTable(List<String> columns, List<List<String>> rows, boolean cut) {
  /** Plain-text cells wider than this end in an ellipsis, so one long text does not push the rest away. */
  static final int TEXT_CELL_WIDTH = 60;

  public ResultTable {
    columns = List.copyOf(columns);
    rows = rows.stream().map(r -> (List<String>) List.copyOf(r)).toList();
  }

  /** "3 rows", or "first 200 rows" when the result had more. */
  public String footer() {
    return (cut ? "first " : "") + rows.size() + (rows.size() == 1 && !cut ? " row" : " rows");
  }

  public String html() {
    StringBuilder sb = new StringBuilder("<table class=\"flywheel-result\">\n<thead><tr>");
    for (String c : columns) {
      sb.append("<th>").append(escape(c)).append("</th>");
    }
    sb.append("</tr></thead>\n<tbody>\n");
    for (List<String> r : rows) {
      sb.append("<tr>");
      for (String v : r) {
        sb.append("<td>").append(escape(v)).append("</td>");
      }
      sb.append("</tr>\n");
    }
    return sb.append("</tbody>\n</table>\n<p><small>").append(footer()).append("</small></p>\n").toString();
  }

  public String text() {
    int[] widths = new int[columns.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = clip(columns.get(i)).length();
      for (List<String> r : rows) {
        widths[i] = Math.max(widths[i], clip(r.get(i)).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, columns, widths);
    for (List<String> r : rows) {
      line(sb, r, widths);
    }
    return sb.append('(').append(footer()).append(')').toString();
  }

  private static void line(StringBuilder sb, List<String> cells, int[] widths) {
    StringBuilder l = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String v = clip(cells.get(i));
      l.append(i == 0 ? "" : "  ").append(v).append(" ".repeat(widths[i] - v.length()));
    }
    sb.append(l.toString().stripTrailing()).append('\n');
  }

  static String clip(String v) {
    String one = v.replace('\n', ' ').replace('\t', ' ');
    return one.length() <= TEXT_CELL_WIDTH ? one : one.substring(0, TEXT_CELL_WIDTH - 1) + "…";
  }

  static String escape(String v) {
    StringBuilder sb = new StringBuilder(v.length());
    for (char c : v.toCharArray()) {
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
