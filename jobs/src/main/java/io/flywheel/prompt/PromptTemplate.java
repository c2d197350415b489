package io.flywheel.prompt;

import io.flywheel.llm.Message;
import io.flywheel.udfs.Hashing;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A versioned prompt: a system and a user template with {@code {name}} placeholders. Its
 * {@link #templateHash()} covers both texts, so an edit without a version bump still changes the
 * cache key.
 */
public record PromptTemplate(String id, int version, String system, String user) implements Serializable {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");

  public PromptTemplate {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("prompt id is required");
    }
    if (version <= 0) {
      throw new IllegalArgumentException("prompt " + id + ": version must be positive");
    }
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("prompt " + id + ": user template is required");
    }
    system = system == null ? "" : system;
  }

  public String templateHash() {
    return Hashing.sha256Parts(List.of(system, user));
  }

  /** The messages with every placeholder replaced; an unknown placeholder is an error. */
  public List<Message> render(Map<String, String> vars) {
    return List.of(Message.system(fill(system, vars)), Message.user(fill(user, vars)));
  }

  private String fill(String template, Map<String, String> vars) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = vars.get(m.group(1));
      if (v == null) {
        throw new IllegalArgumentException("prompt " + id + " v" + version + ": no value for {" + m.group(1) + "}");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }
}
