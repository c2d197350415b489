package io.flywheel.llm.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.llm.DecodingParams;
import io.flywheel.llm.FinishReason;
import io.flywheel.llm.LlmException;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.LlmResponse;
import io.flywheel.llm.Message;
import io.flywheel.llm.ResponseSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ResponseSchema SCHEMA = new ResponseSchema("catalog_summary", 1, "{}");
  private static final String ITEM_JSON =
      "{\"title\":\"Norvik Headphones 512\",\"brand\":\"Norvik\",\"category\":\"electronics\","
          + "\"description\":\"The Norvik headphones are compact headphones for travel. It weighs 250 g and measures 18 x 16 cm. "
          + "Made from recycled plastic, it is built to last. The battery lasts up to 30 hours on a single charge. "
          + "It comes with a 2-year warranty. Customers praise its comfort and battery life.\","
          + "\"reviews\":\"Great headphones, does exactly what it promises.\"}";

  private final LocalClient client = new LocalClient("flywheel-extractive-v2", 0);

  private static LlmRequest request(int maxOutputTokens, Message... messages) {
    return new LlmRequest("flywheel-extractive-v2", List.of(messages), SCHEMA, new DecodingParams(0, 1, maxOutputTokens, 0));
  }

  private static Message userWithItem(String itemJson) {
    return Message.user("Summarize the item.\n" + LocalClient.OPEN_TAG + "\n" + itemJson + "\n" + LocalClient.CLOSE_TAG);
  }

  @Test
  void answersInTheResponseSchemaFromTheCatalogItemBlock() throws Exception {
    LlmResponse r = client.complete(request(160, Message.system("be brief"), userWithItem(ITEM_JSON)));
    JsonNode answer = JSON.readTree(r.content());
    JsonNode item = JSON.readTree(ITEM_JSON);
    assertThat(answer.path("summary").isTextual()).isTrue();
    String source = item.path("description").asText() + "\n" + item.path("reviews").asText();
    assertThat(answer.path("summary").asText()).isNotEmpty();
    assertThat(ExtractiveSummarizer.sentences(answer.path("summary").asText())).allSatisfy(s -> assertThat(source).contains(s));
    assertThat(answer.path("key_features").isArray()).isTrue();
    assertThat(answer.path("key_features").get(0).asText()).isEqualTo("Norvik");
    assertThat(answer.path("key_features").get(1).asText()).isEqualTo("electronics");
    assertThat(answer.path("key_features").size()).isLessThanOrEqualTo(5);
    assertThat(r.reportedModel()).isEqualTo("flywheel-extractive-v2");
    assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(client.provider()).isEqualTo("local");
  }

  @Test
  void summaryFitsInFourCharactersPerOutputTokenButAtLeast80() throws Exception {
    String s40 = JSON.readTree(client.complete(request(40, userWithItem(ITEM_JSON))).content()).path("summary").asText();
    assertThat(s40.length()).isLessThanOrEqualTo(160);
    String s1 = JSON.readTree(client.complete(request(1, userWithItem(ITEM_JSON))).content()).path("summary").asText();
    assertThat(s1.length()).isLessThanOrEqualTo(80);
    assertThat(s1).as("80-char floor still fits a sentence").isNotEmpty();
  }

  @Test
  void itRecordsTheOpenAiStyleChatItAnswered() {
    io.flywheel.llm.WireRequest wire = client.wire(request(160, Message.system("be brief"), userWithItem(ITEM_JSON)));
    assertThat(wire.endpoint()).isEqualTo("local");
    assertThat(wire.structuredOutput()).isEqualTo("local");
    assertThat(wire.body().path("model").asText()).isEqualTo("flywheel-extractive-v2");
    assertThat(wire.body().path("messages").get(0).path("role").asText()).isEqualTo("system");
    assertThat(wire.body().path("messages").get(1).path("role").asText()).isEqualTo("user");
    assertThat(wire.body().path("messages").get(1).path("content").asText()).contains(LocalClient.OPEN_TAG);
    assertThat(wire.body().path("max_tokens").asInt()).isEqualTo(160);
    assertThat(wire.body().path("response_schema").asText()).isEqualTo("catalog_summary");
  }

  @Test
  void isDeterministic() {
    LlmResponse a = client.complete(request(100, userWithItem(ITEM_JSON)));
    LlmResponse b = new LocalClient("flywheel-extractive-v2", 0).complete(request(100, userWithItem(ITEM_JSON)));
    assertThat(b.content()).isEqualTo(a.content());
    assertThat(b.usage()).isEqualTo(a.usage());
  }

  @Test
  void estimatesTokensAsCharactersOverFour() {
    Message user = userWithItem(ITEM_JSON);
    LlmResponse r = client.complete(request(100, user));
    assertThat(r.usage().inputTokens()).isEqualTo((user.content().length() + 3) / 4);
    assertThat(r.usage().outputTokens()).isEqualTo((r.content().length() + 3) / 4);
  }

  @Test
  void readsTheLastUserMessage() throws Exception {
    String other = ITEM_JSON.replace("Norvik", "Zenlum");
    LlmResponse r = client.complete(request(160, userWithItem(other), Message.system("x"), userWithItem(ITEM_JSON)));
    assertThat(JSON.readTree(r.content()).path("key_features").get(0).asText()).isEqualTo("Norvik");
  }

  @Test
  void missingCatalogItemBlockIsANonRetryableError() {
    assertThatThrownBy(() -> client.complete(request(160, Message.user("Summarize this: a kettle."))))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.retryable()).isFalse();
          assertThat(e.errorClass()).isEqualTo("bad_request");
          assertThat(e.getMessage()).contains("<catalog_item>");
        });
  }

  @Test
  void unclosedCatalogItemBlockIsANonRetryableError() {
    assertThatThrownBy(() -> client.complete(request(160, Message.user(LocalClient.OPEN_TAG + ITEM_JSON))))
        .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.retryable()).isFalse());
  }

  @Test
  void itemBlockThatIsNotJsonIsANonRetryableError() {
    assertThatThrownBy(() -> client.complete(request(160, userWithItem("{not json"))))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.retryable()).isFalse();
          assertThat(e.getMessage()).contains("not JSON");
        });
  }

  @Test
  void requestWithoutUserMessageIsANonRetryableError() {
    assertThatThrownBy(() -> client.complete(request(160, Message.system(LocalClient.OPEN_TAG + ITEM_JSON + LocalClient.CLOSE_TAG))))
        .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.retryable()).isFalse());
  }
}
