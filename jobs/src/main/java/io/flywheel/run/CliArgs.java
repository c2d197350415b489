package io.flywheel.run;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsed command line: {@code <job> [--conf F] [--run-date D] [--run-id ID] [--set k=v]... [--dry-run] [--verbose]}
 * plus job-specific {@code --name value} options and positional arguments.
 */
public record CliArgs(
    String job,
    String conf,
    LocalDate runDate,
    String runId,
    boolean dryRun,
    boolean verbose,
    List<String> sets,
    Map<String, String> options,
    List<String> positional) {

  public static CliArgs parse(String[] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("no job given");
    }
    String job = args[0];
    String conf = null;
    LocalDate runDate = LocalDate.now(ZoneOffset.UTC);
    String runId = null;
    boolean dryRun = false;
    boolean verbose = false;
    List<String> sets = new ArrayList<>();
    Map<String, String> options = new LinkedHashMap<>();
    List<String> positional = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--conf" -> conf = value(args, ++i, a);
        case "--run-date" -> {
          String v = value(args, ++i, a);
          try {
            runDate = LocalDate.parse(v);
          } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--run-date must be YYYY-MM-DD, was '" + v + "'");
          }
        }
        case "--run-id" -> runId = value(args, ++i, a);
        case "--set" -> sets.add(value(args, ++i, a));
        case "--dry-run" -> dryRun = true;
        case "--verbose" -> verbose = true;
        default -> {
          if (a.startsWith("--")) {
            String name = a.substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
              options.put(name, args[++i]);
            } else {
              options.put(name, "true");
            }
          } else {
            positional.add(a);
          }
        }
      }
    }
    return new CliArgs(job, conf, runDate, runId, dryRun, verbose, sets, options, positional);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  public String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }
}
