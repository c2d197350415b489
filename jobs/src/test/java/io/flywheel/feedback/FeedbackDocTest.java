package io.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/feedback.md and the code say the same thing: event types, mapping, reject reasons, formats. */
class FeedbackDocTest {
  static List<String> lines;

  @BeforeAll
  static void read() throws Exception {
    Path here = Path.of("").toAbsolutePath();
    Path doc = here.resolve("docs/feedback.md");
    if (!Files.exists(doc)) {
      doc = here.getParent().resolve("docs/feedback.md");
    }
    lines = Files.readAllLines(doc);
  }

  /** The table rows (cells trimmed) of the first table after {@code heading}. */
  static List<List<String>> table(String heading) {
    int i = lines.indexOf(heading);
    assertThat(i).as(heading + " in docs/feedback.md").isGreaterThanOrEqualTo(0);
    List<List<String>> rows = new ArrayList<>();
    boolean in = false;
    for (int j = i + 1; j < lines.size(); j++) {
      String l = lines.get(j);
      if (l.startsWith("|")) {
        in = true;
        rows.add(Arrays.stream(l.substring(1, l.length() - 1).split("(?<!\\\\)\\|")).map(String::strip).toList());
      } else if (in) {
        break;
      }
    }
    return rows;
  }

  static String code(String cell) {
    return cell.replace("`", "");
  }

  @Test
  void mappingTableIsTheCodesTable() {
    List<List<String>> t = table("## Mapping");
    List<String> header = t.get(0);
    List<List<String>> body = t.subList(2, t.size());
    assertThat(body.stream().map(r -> code(r.get(0))).toList()).isEqualTo(FeedbackEventType.codes());
    for (List<String> row : body) {
      FeedbackEventType type = FeedbackEventType.of(code(row.get(0))).orElseThrow();
      assertThat(row.get(1)).as(type.code() + " strength").isEqualTo(type.strength().name().toLowerCase(Locale.ROOT));
      assertThat(row.get(2)).as(type.code() + " stance").isEqualTo(type.stance().name().toLowerCase(Locale.ROOT));
      for (FeedbackDataset d : FeedbackDataset.values()) {
        String cell = row.get(header.indexOf(d.tableName()));
        assertThat(!cell.equals("—")).as(type.code() + " feeds " + d.tableName()).isEqualTo(type.feeds(d));
      }
    }
  }

  @Test
  void checksTableListsEveryRejectReasonInOrder() {
    List<List<String>> t = table("## Checks");
    assertThat(t.subList(2, t.size()).stream().map(r -> code(r.get(0))).toList())
        .isEqualTo(Arrays.stream(RejectReason.values()).map(RejectReason::code).toList());
  }

  @Test
  void formatsTableListsEveryFormatAndItsSource() {
    List<List<String>> t = table("## Formats");
    List<List<String>> body = t.subList(2, t.size());
    assertThat(body.stream().map(r -> code(r.get(0))).toList())
        .isEqualTo(Arrays.stream(ExportFormat.values()).map(ExportFormat::code).toList());
    for (List<String> row : body) {
      assertThat(code(row.get(1))).isEqualTo(ExportFormat.of(code(row.get(0))).orElseThrow().source().tableName());
    }
  }
}
