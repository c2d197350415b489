package io.flywheel.sql;

import io.flywheel.run.CliArgs;
import io.flywheel.run.UsageError;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import io.flywheel.udfs.FlywheelFunctions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code flywheel sql [--limit N] [--out FILE --format csv|json|parquet] "<query>"}: Spark SQL over the
 * warehouse's tables (each registered as a view under its name) and Flywheel's SQL functions. Prints
 * at most {@code --limit} rows (1,000 by default) and says so when it cuts; {@code --out} writes every
 * row to one file.
 */
public final class SqlCommand {
  static final int DEFAULT_LIMIT = 1000;
  private static final Set<String> FORMATS = Set.of("csv", "json", "parquet");
  private static final Pattern CAST = Pattern.compile("CAST\\(([^()]*?) AS [A-Z0-9_(), ]+?\\)");

  private SqlCommand() {}

  public static int run(SparkSession spark, Warehouse wh, CliArgs cli) {
    if (cli.positional().isEmpty()) {
      throw new UsageError("sql needs a query, e.g. flywheel sql \"SELECT status, count(*) FROM llm_calls GROUP BY status\"");
    }
    String query = String.join(" ", cli.positional());
    int limit = parseLimit(cli.option("limit", Integer.toString(DEFAULT_LIMIT)));
    String out = cli.option("out", null);
    String format = cli.option("format", out == null ? null : formatOf(out));
    if (format != null && !FORMATS.contains(format)) {
      throw new UsageError("sql: --format must be one of " + FORMATS + ", was '" + format + "'");
    }
    if (format != null && out == null) {
      throw new UsageError("sql: --format needs --out FILE");
    }
    Dataset<Row> df = query(spark, wh, query);
    if (out != null) {
      long rows = write(df, Path.of(out), format);
      System.out.printf(Locale.ROOT, "sql: wrote %d rows as %s to %s%n", rows, format, out);
      return 0;
    }
    print(df, limit);
    return 0;
  }

  /** Prints the first {@code limit} rows of {@code query}'s result (the demo and tests use it). */
  public static void print(SparkSession spark, Warehouse wh, String query, int limit) {
    print(query(spark, wh, query), limit);
  }

  /**
   * Plans {@code query} with the tables and functions registered; a query that does not parse or
   * names what does not exist is a {@link UsageError} quoting Spark's first line.
   */
  public static Dataset<Row> query(SparkSession spark, Warehouse wh, String query) {
    FlywheelFunctions.register(spark);
    int tables = wh.registerViews();
    try {
      return readable(spark.sql(query));
    } catch (Exception e) {
      if (!e.getClass().getSimpleName().endsWith("AnalysisException") && !e.getClass().getSimpleName().equals("ParseException")) {
        throw e;
      }
      String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      String hint = tables == 0 && first.contains("TABLE_OR_VIEW_NOT_FOUND")
          ? " (the warehouse at " + wh.root() + " has no tables yet: run a job first)" : "";
      throw new UsageError("sql: " + first + hint + "\n  query: " + query, e);
    }
  }

  private static void print(Dataset<Row> df, int limit) {
    List<Row> rows = df.takeAsList(limit + 1);
    System.out.println(String.join("\t", df.columns()));
    for (Row r : rows.subList(0, Math.min(limit, rows.size()))) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.length(); i++) {
        sb.append(i > 0 ? "\t" : "").append(format(r.isNullAt(i) ? null : r.get(i)));
      }
      System.out.println(sb);
    }
    if (rows.size() > limit) {
      System.err.printf(Locale.ROOT, "sql: output cut at %d rows; --limit N shows more, --out FILE --format csv writes all%n", limit);
    }
  }

  /** Column names without the casts Spark writes into the names of unaliased expressions. */
  static Dataset<Row> readable(Dataset<Row> df) {
    String[] names = df.columns();
    String[] renamed = new String[names.length];
    boolean changed = false;
    for (int i = 0; i < names.length; i++) {
      renamed[i] = readableName(names[i]);
      changed |= !renamed[i].equals(names[i]);
    }
    // Renamed by position: a result may hold two columns of the same name.
    return changed ? df.toDF(renamed) : df;
  }

  static String readableName(String name) {
    String n = name;
    for (String prev = null; !n.equals(prev); ) {
      prev = n;
      n = CAST.matcher(n).replaceAll("$1");
    }
    return n;
  }

  public static String format(Object v) {
    if (v == null) {
      return "NULL";
    }
    if (v instanceof scala.collection.Map<?, ?> m) {
      List<String> parts = new ArrayList<>();
      for (Map.Entry<?, ?> e : scala.jdk.javaapi.CollectionConverters.asJava(m).entrySet()) {
        parts.add(format(e.getKey()) + ": " + format(e.getValue()));
      }
      return "{" + String.join(", ", parts) + "}";
    }
    if (v instanceof scala.collection.Iterable<?> it) {
      List<String> parts = new ArrayList<>();
      scala.jdk.javaapi.CollectionConverters.asJava(it).forEach(x -> parts.add(format(x)));
      return "[" + String.join(", ", parts) + "]";
    }
    if (v instanceof Row row && row.schema() != null) {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < row.length(); i++) {
        parts.add(row.schema().fieldNames()[i] + ": " + format(row.isNullAt(i) ? null : row.get(i)));
      }
      return "{" + String.join(", ", parts) + "}";
    }
    return String.valueOf(v).replace('\t', ' ').replace('\n', ' ');
  }

  /** Writes every row of {@code df} to the single file {@code out}; returns how many. */
  static long write(Dataset<Row> df, Path out, String format) {
    Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".flywheel-tmp");
    try {
      var writer = df.coalesce(1).write().format(format).mode("overwrite");
      if (format.equals("csv")) {
        writer = writer.option("header", "true");
      }
      writer.save(tmp.toString());
      Path part;
      try (Stream<Path> files = Files.list(tmp)) {
        part = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElse(null);
      }
      if (part == null) {
        throw new UsageError("sql: the query wrote no file to " + out);
      }
      Files.move(part, out, StandardCopyOption.REPLACE_EXISTING);
      return df.count();
    } catch (IOException e) {
      throw new UsageError("sql: cannot write " + out + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A leftover temporary folder is harmless; the result file is already in place.
    }
  }

  private static String formatOf(String out) {
    String lower = out.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".json") || lower.endsWith(".jsonl")) {
      return "json";
    }
    return lower.endsWith(".parquet") ? "parquet" : "csv";
  }

  private static int parseLimit(String v) {
    try {
      int n = Integer.parseInt(v);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new UsageError("sql: --limit must be a positive number, was '" + v + "'");
  }
}
