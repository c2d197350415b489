package io.flywheel.prompt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.flywheel.config.ConfigException;
import io.flywheel.config.YamlSyntax;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The prompt templates of a folder ({@code conf/prompts/*.yaml}), by id. */
public final class PromptCatalog implements Serializable {
  private static final ObjectMapper YAML =
      YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final Map<String, PromptTemplate> byId;

  public PromptCatalog(Map<String, PromptTemplate> byId) {
    this.byId = new TreeMap<>(byId);
  }

  /** Reads every {@code .yaml} file in {@code dir}; two files with one id is an error. */
  public static PromptCatalog load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new ConfigException("key 'summarize.prompts_dir': folder " + dir + " does not exist");
    }
    Map<String, PromptTemplate> byId = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new ConfigException("cannot list prompts in " + dir, e);
    }
    for (Path file : files) {
      PromptTemplate t;
      try {
        t = YAML.readValue(file.toFile(), PromptTemplate.class);
      } catch (JsonProcessingException e) {
        throw new ConfigException(YamlSyntax.describe(file, "not a valid prompt template", e), e);
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException(file + ": not a valid prompt template: " + e.getMessage(), e);
      }
      PromptTemplate previous = byId.put(t.id(), t);
      if (previous != null) {
        throw new ConfigException(file + ": prompt id '" + t.id() + "' is defined twice in " + dir);
      }
    }
    return new PromptCatalog(byId);
  }

  public PromptTemplate get(String id) {
    PromptTemplate t = byId.get(id);
    if (t == null) {
      throw new ConfigException("prompt '" + id + "' is not defined (known: " + byId.keySet() + ")");
    }
    return t;
  }

  public Map<String, PromptTemplate> all() {
    return byId;
  }
}
