package io.flywheel.udfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the function tables of docs/functions.md from {@link FlywheelFunctions#all()}, between
 * {@code <!-- BEGIN functions:x -->} and {@code <!-- END functions:x -->} lines, so that the page
 * cannot list a function, a type or an example the code does not have. {@code FunctionDocsTest}
 * fails when the page is stale; {@code main} rewrites it.
 */
public final class FunctionDocs {
  private FunctionDocs() {}

  /** Rewrites the generated sections of the file given as the only argument (docs/functions.md). */
  public static void main(String[] args) throws IOException {
    Path doc = Path.of(args[0]);
    Files.writeString(doc, update(Files.readString(doc, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  /** {@code markdown} with each generated section replaced by what the registry says now. */
  public static String update(String markdown) {
    String out = markdown;
    out = replace(out, "core", table(FlywheelFunctions.core()));
    out = replace(out, "features", table(TextFeatureFunctions.functions()));
    out = replace(out, "deprecated", aliases(FlywheelFunctions.deprecatedAliases()));
    return out;
  }

  static String table(List<SqlFunction> functions) {
    StringBuilder sb = new StringBuilder("| function | returns | what it gives | example → result |\n|---|---|---|---|\n");
    for (SqlFunction f : functions) {
      String see = f.see().isEmpty() ? "" : " ([" + f.see() + "](" + f.see() + "))";
      sb.append("| `").append(f.signature()).append("` | ").append(cell(f.returnTypeSql())).append(" | ")
          .append(cell(f.description())).append(see).append(" | `").append(cell(f.exampleSql())).append("` → `")
          .append(cell(f.exampleResult())).append("` |\n");
    }
    return sb.toString();
  }

  static String aliases(List<SqlFunction> functions) {
    StringBuilder sb = new StringBuilder("| deprecated name | use instead |\n|---|---|\n");
    for (SqlFunction f : functions) {
      sb.append("| `").append(f.signature()).append("` | `").append(f.replacement()).append("` |\n");
    }
    return sb.toString();
  }

  private static String cell(String text) {
    // Markdown tables split cells on '|', even inside code spans, unless it is escaped.
    return text.replace("|", "\\|");
  }

  private static String replace(String markdown, String section, String body) {
    String begin = "<!-- BEGIN functions:" + section + " (generated from FlywheelFunctions.all(): edit there) -->\n";
    String end = "<!-- END functions:" + section + " -->";
    int b = markdown.indexOf(begin);
    int e = markdown.indexOf(end);
    if (b < 0 || e < b) {
      throw new IllegalArgumentException("docs/functions.md has no section '" + begin.trim() + "' ... '" + end + "'");
    }
    return markdown.substring(0, b + begin.length()) + body + markdown.substring(e);
  }
}
