package io.flywheel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.config.ConfigLoader;
import io.flywheel.llm.local.LocalClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallLogTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PII = "Mail jane.doe@example.com or call +1 415 555 1234, card 4111 1111 1111 1111.";
  private final RetryingCaller caller = new RetryingCaller(new LocalClient("m", 0), 1, 0);
  private final LlmRequest request = new LlmRequest("m",
      List.of(Message.system("Be brief."), Message.user("<catalog_item>{\"description\":\"" + PII + "\"}</catalog_item>")),
      null, new DecodingParams(0, 1, 64, 0));

  @Test
  void byDefaultTheCallLogKeepsNoEmailPhoneOrCardNumber() throws Exception {
    CallLogText text = CallLogText.of(ConfigLoader.load(null, Map.of(), List.of()).config().llm());
    String logged = text.request(caller, request);
    JsonNode json = JSON.readTree(logged);
    assertThat(json.path("body").path("messages").get(1).path("content").asText())
        .contains("[EMAIL]").contains("[PHONE]").contains("[CARD]").contains("<catalog_item>");
    assertThat(logged).doesNotContain("jane.doe").doesNotContain("555 1234").doesNotContain("4111");
    assertThat(text.response("{\"summary\": \"" + PII + "\"}")).doesNotContain("jane.doe").contains("[EMAIL]");
    assertThat(text.error("HTTP 400: bad input near jane.doe@example.com")).isEqualTo("HTTP 400: bad input near [EMAIL]");
    assertThat(text.response(null)).isNull();
  }

  @Test
  void logRawTextKeepsTheTextAsSent() {
    CallLogText text = CallLogText.of(ConfigLoader.load(null, Map.of(), List.of("llm.log_raw_text=true")).config().llm());
    assertThat(text.request(caller, request)).contains("jane.doe@example.com").contains("4111 1111 1111 1111");
    assertThat(text.response(PII)).isEqualTo(PII);
  }
}
