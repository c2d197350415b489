package io.flywheel.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private final PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  @Test
  void lineShowsCountsPercentRateAndEta() {
    Progress p = new Progress("summarize", 200, 10, sink);
    assertThat(p.line(50, 40, 2, 10.0))
        .isEqualTo("summarize: 50/200 requests (25.0%) | cache hits 10 | calls 40 | errors 2 | 5.0 req/s | ETA 30s");
  }

  @Test
  void etaIsRemainingOverRateRounded() {
    Progress p = new Progress("summarize", 1000, 0, sink);
    // 300 done in 7 s: 42.857 req/s; 700 left -> 16.33 s -> 16 s.
    assertThat(p.line(300, 300, 0, 7.0)).endsWith("| 42.9 req/s | ETA 16s");
    assertThat(p.line(1000, 1000, 0, 7.0)).contains("(100.0%)").endsWith("ETA 0s");
  }

  @Test
  void etaIsUnknownBeforeAnyProgress() {
    Progress p = new Progress("summarize", 100, 0, sink);
    assertThat(p.line(0, 0, 0, 5.0)).endsWith("| 0.0 req/s | ETA ?");
    assertThat(p.line(10, 10, 0, 0.0)).endsWith("| 0.0 req/s | ETA ?");
  }

  @Test
  void emptyJobIsComplete() {
    Progress p = new Progress("summarize", 0, 0, sink);
    assertThat(p.line(0, 0, 0, 1.0)).startsWith("summarize: 0/0 requests (100.0%)");
  }

  @Test
  void updatePrintsOneLineInTheSameFormat() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Progress p = new Progress("summarize", 4, 1, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    p.update(2, 1, 0);
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out.lines()).hasSize(1);
    assertThat(out.strip())
        .matches("summarize: 2/4 requests \\(50\\.0%\\) \\| cache hits 1 \\| calls 1 \\| errors 0 \\| \\d+\\.\\d req/s \\| ETA (\\d+s|\\?)");
  }
}
