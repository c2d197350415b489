package io.flywheel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StructuredOutputTest {
  private static final ResponseSchema SCHEMA =
      new ResponseSchema("s", 1,
          "{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\"},\"key_features\":{\"type\":\"array\","
              + "\"items\":{\"type\":\"string\"},\"maxItems\":2}},\"required\":[\"summary\",\"key_features\"],"
              + "\"additionalProperties\":false}");

  @Test
  void acceptsABareObjectAndReturnsItAsCompactJson() {
    StructuredOutput.Checked c = StructuredOutput.check(" {\"summary\": \"a\", \"key_features\": []}\n", SCHEMA);
    assertThat(c.valid()).isTrue();
    assertThat(c.json()).isEqualTo("{\"summary\":\"a\",\"key_features\":[]}");
  }

  @Test
  void findsTheObjectInsideProseOrCodeFences() {
    String text = "Sure! Here it is:\n```json\n{\"summary\": \"a\", \"key_features\": [\"x\"]}\n```\nAnything else?";
    assertThat(StructuredOutput.check(text, SCHEMA).json()).isEqualTo("{\"summary\":\"a\",\"key_features\":[\"x\"]}");
  }

  @Test
  void namesEachWayAnAnswerBreaksTheSchema() {
    assertThat(StructuredOutput.check("", SCHEMA).problem()).isEqualTo("the answer is empty");
    assertThat(StructuredOutput.check("I cannot do that.", SCHEMA).problem()).isEqualTo("the answer is not a JSON object");
    assertThat(StructuredOutput.check("{\"summary\": 3, \"key_features\": []}", SCHEMA).problem())
        .isEqualTo("$.summary must be string");
    assertThat(StructuredOutput.check("{\"summary\": \"a\"}", SCHEMA).problem()).isEqualTo("$.key_features is missing");
    assertThat(StructuredOutput.check("{\"summary\": \"a\", \"key_features\": [], \"extra\": 1}", SCHEMA).problem())
        .isEqualTo("$.extra is not allowed");
    assertThat(StructuredOutput.check("{\"summary\": \"a\", \"key_features\": [\"a\", 2, \"c\"]}", SCHEMA).problem())
        .isEqualTo("$.key_features must have at most 2 items; $.key_features[1] must be string");
  }

  @Test
  void repairKeepsTheConversationAndAddsTheBadAnswerAndTheProblem() {
    LlmRequest original = new LlmRequest("m", List.of(Message.system("sys"), Message.user("item")), SCHEMA,
        new DecodingParams(0, 1, 10, 0));
    LlmRequest repair = StructuredOutput.repair(original, "nope", "the answer is not a JSON object");
    assertThat(repair.messages()).hasSize(4);
    assertThat(repair.messages().subList(0, 2)).isEqualTo(original.messages());
    assertThat(repair.messages().get(2)).isEqualTo(new Message(Message.Role.ASSISTANT, "nope"));
    assertThat(repair.messages().get(3).content()).contains("not a JSON object").contains("\"maxItems\":2");
    assertThat(repair.params()).isEqualTo(original.params());
  }
}
