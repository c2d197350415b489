package io.flywheel.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * One-line description of a YAML file that could not be read: the file, the line and column of the
 * problem, and what the parser expected (docs/config.md).
 */
public final class YamlSyntax {
  private YamlSyntax() {}

  /**
   * {@code FILE: WHAT at line L, column C: PROBLEM (while CONTEXT started at line L', column C')}. The
   * position is SnakeYAML's problem mark when there is one: Jackson's own location is where its
   * parser stopped, which for a bad indentation can be the line before the problem.
   */
  public static String describe(Object file, String what, JsonProcessingException e) {
    StringBuilder sb = new StringBuilder().append(file).append(": ").append(what);
    if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
      sb.append(" at ").append(position(m.getProblemMark())).append(": ").append(oneLine(m.getProblem()));
      if (m.getContext() != null) {
        sb.append(" (").append(oneLine(m.getContext()));
        if (m.getContextMark() != null) {
          sb.append(" started at ").append(position(m.getContextMark()));
        }
        sb.append(')');
      }
      return sb.toString();
    }
    JsonLocation loc = e.getLocation();
    if (loc != null && loc.getLineNr() > 0) {
      sb.append(" at line ").append(loc.getLineNr()).append(", column ").append(loc.getColumnNr());
    }
    return sb.append(": ").append(oneLine(e.getOriginalMessage())).toString();
  }

  /** SnakeYAML marks count from 0; editors and people count from 1. */
  private static String position(Mark m) {
    return "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }
}
