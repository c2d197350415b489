package io.flywheel.feedback;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON Lines formats trainers read, each with the rules an example must pass before it is
 * written (docs/feedback.md#formats): OpenAI chat and preference fine-tuning, Hugging Face TRL SFT,
 * DPO and KTO (TRL's conversational form).
 */
public enum ExportFormat {
  /** OpenAI supervised fine-tuning: {@code {"messages": [...]}}. */
  OPENAI_CHAT("openai_chat", FeedbackDataset.SFT_EXAMPLES, TrainingExample.Chat.class),
  /** OpenAI preference (DPO) fine-tuning: {@code input.messages}, {@code preferred_output}, {@code non_preferred_output}. */
  OPENAI_PREFERENCE("openai_preference", FeedbackDataset.PREFERENCE_PAIRS, TrainingExample.Preference.class),
  /** TRL SFTTrainer, conversational language modeling: {@code {"messages": [...]}}. */
  TRL_SFT("trl_sft", FeedbackDataset.SFT_EXAMPLES, TrainingExample.Chat.class),
  /** TRL DPOTrainer, conversational preference with explicit prompt: {@code prompt}, {@code chosen}, {@code rejected}. */
  TRL_DPO("trl_dpo", FeedbackDataset.PREFERENCE_PAIRS, TrainingExample.Preference.class),
  /** TRL KTOTrainer, conversational unpaired preference: {@code prompt}, {@code completion}, {@code label}. */
  TRL_KTO("trl_kto", FeedbackDataset.KTO_EXAMPLES, TrainingExample.Unpaired.class);

  private final String code;
  private final FeedbackDataset source;
  private final Class<? extends TrainingExample> shape;

  ExportFormat(String code, FeedbackDataset source, Class<? extends TrainingExample> shape) {
    this.code = code;
    this.source = source;
    this.shape = shape;
  }

  public String code() {
    return code;
  }

  /** The dataset this format is exported from. */
  public FeedbackDataset source() {
    return source;
  }

  /** Why {@code e} may not be written in this format, or empty when it passes every rule. */
  public Optional<String> validate(TrainingExample e, long maxTokens) {
    if (e == null) {
      return Optional.of("example is null");
    }
    if (!shape.isInstance(e)) {
      return Optional.of(code + " takes " + shape.getSimpleName() + " examples, got " + e.getClass().getSimpleName());
    }
    if (e.exampleId() == null || e.exampleId().isBlank()) {
      return Optional.of("example_id is missing");
    }
    List<ChatMessage> all = new ArrayList<>();
    if (e instanceof TrainingExample.Chat c) {
      if (c.messages() == null || c.messages().isEmpty()) {
        return Optional.of("messages is empty");
      }
      Optional<String> m = checkConversation(c.messages(), true);
      if (m.isPresent()) {
        return m;
      }
      all.addAll(c.messages());
    } else if (e instanceof TrainingExample.Preference p) {
      Optional<String> m = checkPrompt(p.prompt());
      if (m.isPresent()) {
        return m;
      }
      if (blank(p.chosen())) {
        return Optional.of("chosen answer is empty");
      }
      if (blank(p.rejected())) {
        return Optional.of("rejected answer is empty");
      }
      if (p.chosen().equals(p.rejected())) {
        return Optional.of("chosen and rejected answers are the same");
      }
      all.addAll(p.prompt());
      all.add(ChatMessage.assistant(p.chosen().length() >= p.rejected().length() ? p.chosen() : p.rejected()));
    } else if (e instanceof TrainingExample.Unpaired u) {
      Optional<String> m = checkPrompt(u.prompt());
      if (m.isPresent()) {
        return m;
      }
      if (blank(u.completion())) {
        return Optional.of("completion is empty");
      }
      all.addAll(u.prompt());
      all.add(ChatMessage.assistant(u.completion()));
    }
    long tokens = ExampleTokens.of(all);
    if (tokens > maxTokens) {
      return Optional.of("over the token limit: " + tokens + " tokens > " + maxTokens);
    }
    return Optional.empty();
  }

  private static Optional<String> checkPrompt(List<ChatMessage> prompt) {
    if (prompt == null || prompt.isEmpty()) {
      return Optional.of("prompt is empty");
    }
    return checkConversation(prompt, false);
  }

  /**
   * System messages only first; then user and assistant alternate, starting with user; every content
   * non-blank; a prompt ends on a user turn, a whole conversation on an assistant turn.
   */
  private static Optional<String> checkConversation(List<ChatMessage> messages, boolean endsWithAnswer) {
    String where = endsWithAnswer ? "messages" : "prompt";
    boolean seenTurn = false;
    String expected = ChatMessage.USER;
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage m = messages.get(i);
      if (m == null || m.role() == null) {
        return Optional.of(where + "[" + i + "] has no role");
      }
      if (blank(m.content())) {
        return Optional.of(where + "[" + i + "] (" + m.role() + ") has empty content");
      }
      if (m.role().equals(ChatMessage.SYSTEM)) {
        if (seenTurn) {
          return Optional.of(where + "[" + i + "] is a system message after the conversation started");
        }
        continue;
      }
      if (!m.role().equals(ChatMessage.USER) && !m.role().equals(ChatMessage.ASSISTANT)) {
        return Optional.of(where + "[" + i + "] has role '" + m.role() + "'; allowed: system, user, assistant");
      }
      if (!m.role().equals(expected)) {
        return Optional.of(where + "[" + i + "] is " + m.role() + " where " + expected + " was expected (turns alternate, user first)");
      }
      seenTurn = true;
      expected = expected.equals(ChatMessage.USER) ? ChatMessage.ASSISTANT : ChatMessage.USER;
    }
    if (!seenTurn) {
      return Optional.of(where + " has no user message");
    }
    String last = messages.get(messages.size() - 1).role();
    if (endsWithAnswer && !last.equals(ChatMessage.ASSISTANT)) {
      return Optional.of("messages must end with an assistant turn, ends with " + last);
    }
    if (!endsWithAnswer && !last.equals(ChatMessage.USER)) {
      return Optional.of("prompt must end with a user turn, ends with " + last);
    }
    return Optional.empty();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** The JSON object of one line, keys in a fixed order. {@link #validate} first. */
  public Map<String, Object> toJson(TrainingExample e) {
    Map<String, Object> out = new LinkedHashMap<>();
    switch (this) {
      case OPENAI_CHAT, TRL_SFT -> out.put("messages", messages(((TrainingExample.Chat) e).messages()));
      case OPENAI_PREFERENCE -> {
        TrainingExample.Preference p = (TrainingExample.Preference) e;
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("messages", messages(p.prompt()));
        out.put("input", input);
        out.put("preferred_output", messages(List.of(ChatMessage.assistant(p.chosen()))));
        out.put("non_preferred_output", messages(List.of(ChatMessage.assistant(p.rejected()))));
      }
      case TRL_DPO -> {
        TrainingExample.Preference p = (TrainingExample.Preference) e;
        out.put("prompt", messages(p.prompt()));
        out.put("chosen", messages(List.of(ChatMessage.assistant(p.chosen()))));
        out.put("rejected", messages(List.of(ChatMessage.assistant(p.rejected()))));
      }
      case TRL_KTO -> {
        TrainingExample.Unpaired u = (TrainingExample.Unpaired) e;
        out.put("prompt", messages(u.prompt()));
        out.put("completion", messages(List.of(ChatMessage.assistant(u.completion()))));
        out.put("label", u.label());
      }
    }
    return out;
  }

  private static List<Map<String, Object>> messages(List<ChatMessage> messages) {
    List<Map<String, Object>> out = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("role", m.role());
      o.put("content", m.content());
      out.add(o);
    }
    return out;
  }

  public static Optional<ExportFormat> of(String code) {
    for (ExportFormat f : values()) {
      if (f.code.equals(code)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
