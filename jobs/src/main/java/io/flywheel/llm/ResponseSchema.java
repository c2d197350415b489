package io.flywheel.llm;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.io.Serializable;

/**
 * The JSON schema an answer must follow; its version is part of the cache key. A job that wants the
 * offline {@code local} provider to answer its requests names a {@link io.flywheel.llm.local.LocalAnswerer}
 * class here (null: the extractive summarizer answers).
 */
public record ResponseSchema(String name, int version, String jsonSchema, @JsonIgnore String localAnswerer)
    implements Serializable {
  public ResponseSchema(String name, int version, String jsonSchema) {
    this(name, version, jsonSchema, null);
  }
}
