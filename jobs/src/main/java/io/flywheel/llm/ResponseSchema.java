package io.flywheel.llm;

import java.io.Serializable;

/** The JSON schema an answer must follow; its version is part of the cache key. */
public record ResponseSchema(String name, int version, String jsonSchema) implements Serializable {}
