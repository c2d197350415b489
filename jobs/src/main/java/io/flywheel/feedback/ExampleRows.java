package io.flywheel.feedback;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;

/** Dataset rows (as {@link FeedbackMapping} and {@link ExampleCleaning} leave them) as exportable examples. */
public final class ExampleRows {
  private ExampleRows() {}

  /** The example of {@code row} for {@code format}; the row needs {@code example_id} and the format's source columns. */
  public static TrainingExample toExample(ExportFormat format, Row row) {
    String id = row.getAs("example_id");
    String source = row.getAs("source_event_type");
    List<ChatMessage> prompt = prompt(row);
    return switch (format.source()) {
      case SFT_EXAMPLES -> {
        List<ChatMessage> all = new ArrayList<>(prompt);
        all.add(ChatMessage.assistant(row.getAs("completion")));
        yield new TrainingExample.Chat(id, source, all);
      }
      case PREFERENCE_PAIRS -> new TrainingExample.Preference(id, source, prompt, row.getAs("chosen"), row.getAs("rejected"));
      case KTO_EXAMPLES -> new TrainingExample.Unpaired(id, source, prompt, row.getAs("completion"), row.<Boolean>getAs("label"));
      case BINARY_LABELS -> throw new IllegalArgumentException("binary_labels has no trainer format: it is read as a table");
    };
  }

  private static List<ChatMessage> prompt(Row row) {
    List<ChatMessage> out = new ArrayList<>();
    scala.collection.Seq<Row> messages = row.getAs("prompt");
    if (messages == null) {
      return out;
    }
    scala.collection.Iterator<Row> it = messages.iterator();
    while (it.hasNext()) {
      Row m = it.next();
      out.add(new ChatMessage(m.getAs("role"), m.getAs("content")));
    }
    return out;
  }
}
