package io.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RequestMessagesTest {
  @Test
  void readsTheChatCompletionsBodyAsSent() {
    String body = "{\"model\":\"gpt-4.1-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Summarize: a kettle.\"}],\"temperature\":0,\"max_tokens\":200}";
    assertThat(RequestMessages.parse(body)).containsExactly(
        new ChatMessage("system", "Be brief."), new ChatMessage("user", "Summarize: a kettle."));
  }

  @Test
  void readsTheBodyOfTheRequestAsLlmCallsLogsIt() {
    String logged = "{\"endpoint\":\"local\",\"structured_output\":\"none\",\"body\":{\"model\":\"m\","
        + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"A kettle.\"}]}}";
    assertThat(RequestMessages.parse(logged)).containsExactly(
        new ChatMessage("system", "Be brief."), new ChatMessage("user", "A kettle."));
    String anthropic = "{\"endpoint\":\"https://api.anthropic.com/v1/messages\",\"body\":{\"system\":"
        + "[{\"type\":\"text\",\"text\":\"S\"}],\"messages\":[{\"role\":\"user\",\"content\":\"u\"}]}}";
    assertThat(RequestMessages.parse(anthropic)).containsExactly(new ChatMessage("system", "S"), new ChatMessage("user", "u"));
  }

  @Test
  void readsTheSerializedLlmRequestWithUpperCaseRoles() {
    String logged = "{\"model\":\"local\",\"messages\":[{\"role\":\"SYSTEM\",\"content\":\"s\"},"
        + "{\"role\":\"USER\",\"content\":\"u\"}],\"responseSchema\":null,\"params\":{\"temperature\":0.0}}";
    assertThat(RequestMessages.parse(logged)).containsExactly(new ChatMessage("system", "s"), new ChatMessage("user", "u"));
  }

  @Test
  void readsTextPartsDeveloperRoleAndAnthropicSystem() {
    String body = "{\"system\":\"S\",\"messages\":[{\"role\":\"developer\",\"content\":\"D\"},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}]}";
    assertThat(RequestMessages.parse(body)).containsExactly(
        new ChatMessage("system", "S"), new ChatMessage("system", "D"), new ChatMessage("user", "ab"));
  }

  @Test
  void badRequestsNameWhatIsWrong() {
    assertThatThrownBy(() -> RequestMessages.parse(null)).hasMessage("request is empty");
    assertThatThrownBy(() -> RequestMessages.parse("{oops")).hasMessageStartingWith("request is not JSON");
    assertThatThrownBy(() -> RequestMessages.parse("{\"model\":\"m\"}")).hasMessage("request has no messages array");
    assertThatThrownBy(() -> RequestMessages.parse("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}"))
        .hasMessage("request messages[0] has role 'tool'; only system, user and assistant are read");
    assertThatThrownBy(() -> RequestMessages.parse("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}"))
        .hasMessage("request messages[0] has a content part that is not text");
    assertThatThrownBy(() -> RequestMessages.parse("{\"messages\":[]}")).hasMessage("request has no messages");
  }
}
