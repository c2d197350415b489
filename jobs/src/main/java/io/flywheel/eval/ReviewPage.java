package io.flywheel.eval;

import static io.flywheel.skew.report.SkewReport.escape;

import java.time.LocalDate;
import java.util.List;
import java.util.Locale;

/**
 * The review page of one day's sample: one self-contained HTML file (no script, style or font
 * fetched from the network; every text from the data escaped) that shows each sampled call's input
 * and output with its yes/no questions, and saves the reviewer's answers as a JSON file for
 * {@code review-sample --answers} (docs/eval.md#review-sample).
 */
public final class ReviewPage {
  /** One sampled call as the page shows it. */
  public record Item(String callId, String job, String status, String reason, String errorClass, String input,
      String output, List<Question> questions) {}

  /** A question about an item, with the answer already recorded (null: none yet). */
  public record Question(String name, String text, Boolean answer) {}

  private static final String STYLE = """
      body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
      .item{border:1px solid #ccc;border-radius:6px;padding:1em;margin:1em 0}
      .meta{color:#555;font-size:.9em}.rejected{border-color:#c33}
      pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.6em;border-radius:4px}
      .q{margin:.4em 0}.q label{margin-right:1em}button{font-size:1em;padding:.4em 1em}
      """;
  /** Collects the checked answers and saves them as review-answers-DATE.json; runs in the page only. */
  private static final String SCRIPT = """
      function saveAnswers(date){
        var out=[];
        document.querySelectorAll('input[type=radio]:checked').forEach(function(r){
          out.push({run_date:date,call_id:r.dataset.call,question:r.dataset.question,answer:r.value==='yes'});
        });
        var a=document.createElement('a');
        a.href=URL.createObjectURL(new Blob([JSON.stringify(out,null,1)],{type:'application/json'}));
        a.download='review-answers-'+date+'.json';document.body.appendChild(a);a.click();a.remove();
        document.getElementById('saved').textContent=out.length+' answers saved';
      }
      """;

  private ReviewPage() {}

  /** The page for {@code date}'s {@code items}. */
  public static String html(LocalDate date, List<Item> items) {
    long answered = items.stream().flatMap(i -> i.questions().stream()).filter(q -> q.answer() != null).count();
    long asked = items.stream().mapToLong(i -> i.questions().size()).sum();
    StringBuilder b = new StringBuilder(4096 + items.size() * 1024);
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Flywheel review sample ")
        .append(date).append("</title>\n<style>").append(STYLE).append("</style>\n<script>").append(SCRIPT)
        .append("</script>\n</head><body>\n<h1>Review sample, ").append(date).append("</h1>\n")
        .append(String.format(Locale.ROOT, "<p>%d calls, %d questions, %d answered. Answer, then "
            + "<button onclick=\"saveAnswers('%s')\">Download answers</button> <span id=\"saved\"></span> and record "
            + "them with <code>bin/flywheel review-sample --run-date %s --answers FILE --reviewer YOU</code>.</p>%n",
            items.size(), asked, answered, date, date));
    for (Item it : items) {
      boolean rejected = "guardrail_rejection".equals(it.reason());
      b.append("<section class=\"item").append(rejected ? " rejected" : "").append("\">\n<div class=\"meta\">")
          .append("<code>").append(escape(it.callId())).append("</code> · ").append(escape(it.job())).append(" · ")
          .append(escape(it.status())).append(it.errorClass() == null ? "" : " (" + escape(it.errorClass()) + ")")
          .append(" · ").append(escape(it.reason())).append("</div>\n")
          .append("<details><summary>Input</summary><pre>").append(escape(it.input())).append("</pre></details>\n")
          .append("<div>Output</div><pre>").append(it.output() == null ? "(no output)" : escape(it.output())).append("</pre>\n");
      for (Question q : it.questions()) {
        String group = escape(it.callId() + "|" + q.name());
        b.append("<div class=\"q\">").append(escape(q.text())).append(' ');
        for (String v : List.of("yes", "no")) {
          boolean checked = q.answer() != null && q.answer() == v.equals("yes");
          b.append("<label><input type=\"radio\" name=\"").append(group).append("\" value=\"").append(v)
              .append("\" data-call=\"").append(escape(it.callId())).append("\" data-question=\"").append(escape(q.name()))
              .append('"').append(checked ? " checked" : "").append("> ").append(v).append("</label>");
        }
        b.append("</div>\n");
      }
      b.append("</section>\n");
    }
    return b.append("</body></html>\n").toString();
  }
}
