package io.flywheel.llm.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.config.ConfigLoader;
import io.flywheel.config.FlywheelConfig;
import java.net.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpErrorsTest {
  @TempDir Path dir;

  private static HttpHeaders headers(String... kv) {
    Map<String, List<String>> m = new java.util.HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], List.of(kv[i + 1]));
    }
    return HttpHeaders.of(m, (a, b) -> true);
  }

  @Test
  void retryAfterIsReadAsSecondsMillisecondsOrAnHttpDate() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(HttpErrors.retryAfterMillis(headers("retry-after", "3"), now)).isEqualTo(3000);
    assertThat(HttpErrors.retryAfterMillis(headers("retry-after", "0.5"), now)).isEqualTo(500);
    assertThat(HttpErrors.retryAfterMillis(headers("retry-after-ms", "250", "retry-after", "9"), now)).isEqualTo(250);
    assertThat(HttpErrors.retryAfterMillis(headers("retry-after", "Thu, 01 Jan 2026 00:00:07 GMT"), now)).isEqualTo(7000);
    assertThat(HttpErrors.retryAfterMillis(headers("retry-after", "soon"), now)).isEqualTo(-1);
    assertThat(HttpErrors.retryAfterMillis(headers(), now)).isEqualTo(-1);
  }

  @Test
  void unknownFiveHundredsAreTransientOtherFourHundredsAreTheRequests() {
    assertThat(HttpErrors.of(520, null, "x", headers()).retryable()).isTrue();
    assertThat(HttpErrors.of(422, null, "x", headers()).status()).isEqualTo("failed");
    assertThat(HttpErrors.of(413, null, "too large", headers()).errorClass()).isEqualTo("context_length");
    assertThat(HttpErrors.of(408, null, "x", headers()).retryable()).isTrue();
  }

  @Test
  void theKeyNeverShowsInTextOrToString() throws Exception {
    Path f = dir.resolve("key");
    Files.writeString(f, "  sk-proj-SECRETSECRET123  \n");
    FlywheelConfig.Llm llm = ConfigLoader.load(null, Map.of(), List.of("llm.api_key_file=" + f)).config().llm();
    ApiKey key = ApiKey.resolve(llm, Map.of());
    assertThat(key.value()).isEqualTo("sk-proj-SECRETSECRET123");
    assertThat(key.toString()).doesNotContain("SECRET");
    assertThat(key.scrub("bad key sk-proj-SECRETSECRET123 given")).isEqualTo("bad key [redacted] given");
    assertThat(key.scrub("someone else's sk-abcdefghijkl too")).isEqualTo("someone else's [redacted] too");
    assertThat(key.scrub("x".repeat(1000))).hasSizeLessThan(410);
  }

  @Test
  void aKeyComesFromTheNamedVariable() {
    FlywheelConfig.Llm llm = ConfigLoader.load(null, Map.of(), List.of("llm.api_key_env=MY_KEY")).config().llm();
    assertThat(ApiKey.resolve(llm, Map.of("MY_KEY", "sk-from-env-1234567")).value()).isEqualTo("sk-from-env-1234567");
    assertThat(ApiKey.resolve(ConfigLoader.load(null, Map.of(), List.of()).config().llm(), Map.of()).isEmpty()).isTrue();
  }
}
