package io.flywheel.llm;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.local.LocalClient;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Creates provider clients, once per JVM (driver or executor) for each distinct provider config. */
public final class LlmClients {
  private static final ConcurrentMap<FlywheelConfig.Llm, LlmClient> SHARED = new ConcurrentHashMap<>();
  private static final AtomicInteger CREATED = new AtomicInteger();

  private LlmClients() {}

  /** The JVM-wide client for {@code config}, created on first use. */
  public static LlmClient shared(FlywheelConfig.Llm config) {
    return SHARED.computeIfAbsent(config, LlmClients::create);
  }

  /** How many clients this JVM has created (tests use it to show reuse across tasks). */
  public static int createdInThisJvm() {
    return CREATED.get();
  }

  static LlmClient create(FlywheelConfig.Llm config) {
    CREATED.incrementAndGet();
    return switch (config.provider()) {
      case "local" -> new LocalClient(config.model(), config.local().latencyMs());
      default ->
          throw new IllegalArgumentException(
              "llm.provider '" + config.provider() + "' is not available in this build yet");
    };
  }
}
