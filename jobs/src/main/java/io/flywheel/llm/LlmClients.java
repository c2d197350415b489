package io.flywheel.llm;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.anthropic.AnthropicClient;
import io.flywheel.llm.local.LocalClient;
import io.flywheel.llm.openai.OpenAiClient;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates provider clients, once per JVM (driver or executor) for each distinct provider config,
 * and the callers that put this JVM's share of the job's limits around them.
 */
public final class LlmClients {
  private static final ConcurrentMap<FlywheelConfig.Llm, LlmClient> SHARED = new ConcurrentHashMap<>();
  private static final ConcurrentMap<CallerKey, RetryingCaller> CALLERS = new ConcurrentHashMap<>();
  private static final AtomicInteger CREATED = new AtomicInteger();

  /** One caller per config, executor count and run: a new run starts with a closed breaker. */
  private record CallerKey(FlywheelConfig.Llm llm, int executors, String runId) {}

  private LlmClients() {}

  /** The JVM-wide client for {@code config}, created on first use. */
  public static LlmClient shared(FlywheelConfig.Llm config) {
    return SHARED.computeIfAbsent(config, LlmClients::create);
  }

  /**
   * The JVM-wide caller of run {@code runId}: the shared client with {@code max_concurrency} calls in
   * flight and {@code 1/executors} of the job's requests and tokens per minute.
   */
  public static RetryingCaller caller(FlywheelConfig.Llm config, int executors, String runId) {
    return CALLERS.computeIfAbsent(new CallerKey(config, Math.max(1, executors), runId), k -> {
      FlywheelConfig.RateLimit rl = config.rateLimit();
      return new RetryingCaller(
          shared(config),
          new RetryingCaller.Policy(config.maxAttempts(), config.initialBackoffMs(), config.maxBackoffMs(),
              config.failOnModelMismatch()),
          config.maxConcurrency(),
          new RateLimiter((double) rl.requestsPerMinute() / k.executors()),
          new RateLimiter((double) rl.tokensPerMinute() / k.executors()),
          new CircuitBreaker(config.provider() + "/" + config.model(), config.circuitBreaker().failureThreshold(),
              config.circuitBreaker().cooldownMs()));
    });
  }

  /** How many clients this JVM has created (tests use it to show reuse across tasks). */
  public static int createdInThisJvm() {
    return CREATED.get();
  }

  static LlmClient create(FlywheelConfig.Llm config) {
    CREATED.incrementAndGet();
    return switch (config.provider()) {
      case "local" -> new LocalClient(config.model(), config.local().latencyMs(), config.local().hallucinationRate());
      case "openai" -> new OpenAiClient(config, System.getenv());
      case "anthropic" -> new AnthropicClient(config, System.getenv());
      default -> throw new IllegalArgumentException("unknown llm.provider '" + config.provider() + "'");
    };
  }
}
