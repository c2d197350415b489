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
  void maskedAndPartialEchoesOfTheKeyAreScrubbedToo() throws Exception {
    Path f = dir.resolve("key");
    Files.writeString(f, "mock-secret-key-4f2a9123\n");
    ApiKey key = ApiKey.resolve(ConfigLoader.load(null, Map.of(), List.of("llm.api_key_file=" + f)).config().llm(), Map.of());
    // OpenAI's 401 echoes the key with its middle masked.
    assertThat(key.scrub("Incorrect API key provided: mock-sec*****123. You can find your API key at https://x.test/keys."))
        .isEqualTo("Incorrect API key provided: [redacted] You can find your API key at https://x.test/keys.")
        .doesNotContain("mock-sec").doesNotContain("123");
    assertThat(key.scrub("key mock-secret-key-4f2a...9123 is revoked")).isEqualTo("key [redacted] is revoked");
    assertThat(key.scrub("key \u2026key-4f2a9123 is revoked")).isEqualTo("key [redacted] is revoked");
    // A prefix or suffix of the key on its own, six characters or more.
    assertThat(key.scrub("token mock-secret-key rejected")).isEqualTo("token [redacted] rejected");
    assertThat(key.scrub("ends in 4f2a9123")).isEqualTo("ends in [redacted]");
    // Any masked token, even of another key; ordinary words and short pieces stay.
    assertThat(key.scrub("org key ab12****************************xyz9 denied")).isEqualTo("org key [redacted] denied");
    assertThat(key.scrub("the mock key is secret, code 123")).isEqualTo("the mock key is secret, code 123");
  }

  @Test
  void aKeyComesFromTheNamedVariable() {
    FlywheelConfig.Llm llm = ConfigLoader.load(null, Map.of(), List.of("llm.api_key_env=MY_KEY")).config().llm();
    assertThat(ApiKey.resolve(llm, Map.of("MY_KEY", "sk-from-env-1234567")).value()).isEqualTo("sk-from-env-1234567");
    assertThat(ApiKey.resolve(ConfigLoader.load(null, Map.of(), List.of()).config().llm(), Map.of()).isEmpty()).isTrue();
  }
}
