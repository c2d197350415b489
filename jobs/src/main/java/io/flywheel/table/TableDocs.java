package io.flywheel.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What each table and column means, read from {@code io/flywheel/table/table-docs.yaml}: the one
 * source of the catalog comments ({@link Warehouse#ensure}) and of the generated column tables of
 * docs/tables.md ({@link #updateMarkdown}).
 */
public final class TableDocs {
  static final String RESOURCE = "io/flywheel/table/table-docs.yaml";
  /** Longest comment a catalog gets: Glue and older Hive metastores keep 255 characters of a column comment. */
  static final int MAX_COMMENT = 255;
  private static final Pattern LINK = Pattern.compile("\\[([^\\]]*)\\]\\([^)]*\\)");

  /** A table's description and its columns' meanings, Markdown, in the YAML's order. */
  public record Entry(String description, Map<String, String> columns) {}

  private static final Map<String, Entry> ENTRIES = load();

  private TableDocs() {}

  /** The table's entry, or empty when table-docs.yaml does not describe it yet. */
  public static Optional<Entry> of(Table table) {
    return Optional.ofNullable(ENTRIES.get(table.tableName()));
  }

  /** Every described table name, in the YAML's order. */
  public static List<String> describedTables() {
    return List.copyOf(ENTRIES.keySet());
  }

  /** The table's comment for the catalog, or null when it is not described. */
  public static String tableComment(Table table) {
    return of(table).map(e -> comment(e.description())).orElse(null);
  }

  /** {@code table}'s schema with each described column's catalog comment. */
  public static StructType commentedSchema(Table table) {
    Map<String, String> columns = of(table).map(Entry::columns).orElse(Map.of());
    StructField[] fields = table.schema().fields().clone();
    for (int i = 0; i < fields.length; i++) {
      String meaning = columns.get(fields[i].name());
      if (meaning != null) {
        Metadata m = new MetadataBuilder().withMetadata(fields[i].metadata()).putString("comment", comment(meaning)).build();
        fields[i] = new StructField(fields[i].name(), fields[i].dataType(), fields[i].nullable(), m);
      }
    }
    return new StructType(fields);
  }

  /** Markdown as a catalog comment: link text without its target, no backticks, at most {@link #MAX_COMMENT} characters. */
  static String comment(String markdown) {
    String s = LINK.matcher(markdown).replaceAll("$1").replace("`", "").replaceAll("\\s+", " ").trim();
    return s.length() <= MAX_COMMENT ? s : s.substring(0, MAX_COMMENT - 24).stripTrailing() + " ... (docs/tables.md)";
  }

  /** The generated part of docs/tables.md for one table: its description and a column table. */
  static String markdown(Table table, Entry e) {
    StringBuilder sb = new StringBuilder(e.description()).append("\n\n| column | type | meaning |\n|---|---|---|\n");
    for (StructField f : table.schema().fields()) {
      sb.append("| ").append(f.name()).append(" | `").append(f.dataType().sql()).append("` | ")
          .append(e.columns().getOrDefault(f.name(), "").replace("|", "\\|")).append(" |\n");
    }
    return sb.toString();
  }

  /** {@code markdown} (docs/tables.md) with every described table's generated section rewritten. */
  public static String updateMarkdown(String markdown) {
    String out = markdown;
    for (Table t : Table.values()) {
      Entry e = ENTRIES.get(t.tableName());
      if (e == null) {
        continue;
      }
      String begin = "<!-- BEGIN table:" + t.tableName() + " (generated from " + RESOURCE + ": edit there) -->\n";
      String end = "<!-- END table:" + t.tableName() + " -->";
      int b = out.indexOf(begin);
      int en = out.indexOf(end);
      if (b < 0 || en < b) {
        throw new IllegalArgumentException("docs/tables.md has no section '" + begin.trim() + "' ... '" + end + "'");
      }
      out = out.substring(0, b + begin.length()) + markdown(t, e) + out.substring(en);
    }
    return out;
  }

  private static Map<String, Entry> load() {
    try (InputStream in = TableDocs.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      JsonNode root = new YAMLMapper().readTree(in);
      Map<String, Entry> out = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> t = it.next();
        Map<String, String> columns = new LinkedHashMap<>();
        t.getValue().path("columns").fields().forEachRemaining(c -> columns.put(c.getKey(), c.getValue().asText()));
        out.put(t.getKey(), new Entry(t.getValue().path("description").asText(""), columns));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** Columns of {@code table} that the YAML names but the schema does not have, or the reverse; empty when they agree. */
  static List<String> mismatches(Table table) {
    List<String> out = new ArrayList<>();
    Entry e = ENTRIES.get(table.tableName());
    if (e == null) {
      return out;
    }
    List<String> schema = List.of(table.schema().fieldNames());
    e.columns().keySet().stream().filter(c -> !schema.contains(c)).forEach(c -> out.add(table.tableName() + "." + c + " is not a column"));
    schema.stream().filter(c -> !e.columns().containsKey(c)).forEach(c -> out.add(table.tableName() + "." + c + " has no meaning"));
    if (e.description().isBlank()) {
      out.add(table.tableName() + " has no description");
    }
    return out;
  }
}
