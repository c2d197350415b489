package io.flywheel.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The record of one export (docs/feedback.md#manifest): the Delta version of every table read, the
 * config hash, and per file its split, format, rows per source event type, size and SHA-256. Written
 * as JSON with sorted keys, so equal exports give equal manifests.
 */
public record ExportManifest(String name, String configHash, Map<String, Long> deltaVersions, List<FileEntry> files) {
  /** One written file; {@code path} is relative to the export folder. */
  public record FileEntry(String path, String split, String format, long rows, long refused,
      Map<String, Long> rowsBySourceEventType, long bytes, String sha256) {}

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  public ExportManifest {
    deltaVersions = new TreeMap<>(deltaVersions);
    files = files.stream().sorted(java.util.Comparator.comparing(FileEntry::path)).toList();
  }

  /** The entry of a file written by {@link JsonlExport#write}, at {@code path} relative to the export folder. */
  public static FileEntry entry(String path, String split, JsonlExport.Result r) {
    return new FileEntry(path, split, r.format().code(), r.rows(), r.refused().size(),
        new TreeMap<>(r.rowsBySourceEventType()), r.bytes(),
        r.sha256());
  }

  /** Rows per {@code split/format/source_event_type}, summed over the files. */
  public Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    for (FileEntry f : files) {
      for (Map.Entry<String, Long> e : f.rowsBySourceEventType().entrySet()) {
        out.merge(f.split() + "/" + f.format() + "/" + e.getKey(), e.getValue(), Long::sum);
      }
    }
    return out;
  }

  /** The manifest as JSON: fixed key order, one trailing newline. */
  public String toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", name);
    out.put("config_hash", configHash);
    out.put("delta_versions", deltaVersions);
    out.put("counts", counts());
    List<Map<String, Object>> fs = new ArrayList<>();
    for (FileEntry f : files) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("path", f.path());
      m.put("split", f.split());
      m.put("format", f.format());
      m.put("rows", f.rows());
      m.put("refused", f.refused());
      m.put("rows_by_source_event_type", new TreeMap<>(f.rowsBySourceEventType()));
      m.put("bytes", f.bytes());
      m.put("sha256", f.sha256());
      fs.add(m);
    }
    out.put("files", fs);
    try {
      return JSON.writeValueAsString(out) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest of " + name + " cannot be written as JSON", e);
    }
  }

  /** Reads a manifest written by {@link #toJson}. */
  @SuppressWarnings("unchecked")
  public static ExportManifest fromJson(String json) {
    try {
      Map<String, Object> m = JSON.readValue(json, Map.class);
      Map<String, Long> versions = new TreeMap<>();
      ((Map<String, Object>) m.get("delta_versions")).forEach((k, v) -> versions.put(k, ((Number) v).longValue()));
      List<FileEntry> files = new ArrayList<>();
      for (Map<String, Object> f : (List<Map<String, Object>>) m.get("files")) {
        Map<String, Long> bySource = new TreeMap<>();
        ((Map<String, Object>) f.get("rows_by_source_event_type")).forEach((k, v) -> bySource.put(k, ((Number) v).longValue()));
        files.add(new FileEntry((String) f.get("path"), (String) f.get("split"), (String) f.get("format"),
            ((Number) f.get("rows")).longValue(), ((Number) f.get("refused")).longValue(), bySource, ((Number) f.get("bytes")).longValue(), (String) f.get("sha256")));
      }
      return new ExportManifest((String) m.get("name"), (String) m.get("config_hash"), versions, files);
    } catch (JsonProcessingException | ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a feedback export manifest: " + e.getMessage(), e);
    }
  }
}
