package io.flywheel.skew.report;

import io.flywheel.skew.report.SkewReportData.ClusterRow;
import io.flywheel.skew.report.SkewReportData.FeatureRow;
import io.flywheel.skew.report.SkewReportData.Histogram;
import io.flywheel.skew.report.SkewReportData.Summary;
import io.flywheel.skew.report.SkewReportData.TrendPoint;
import java.awt.Color;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Renders one skew run as a self-contained HTML page: CSS inline, charts as embedded PNG images,
 * nothing fetched from the network, every text from the data escaped (docs/skew.md#report).
 */
public final class SkewReport {
  static {
    SkewCharts.preferHeadless();
  }

  /** Example texts are cut to this many characters (Unicode code points); production texts can be huge. */
  static final int MAX_EXAMPLE_CHARS = 600;

  /** Trend series per chart: more lines than this on one chart cannot be told apart. */
  static final int SERIES_PER_TREND_CHART = 6;

  private static final String CSS = """
      :root { --dev: %s; --prod: %s; --bad: #b42318; --bad-bg: #fdecea; --ok: #1e7b34; --muted: #667085; }
      * { box-sizing: border-box; }
      body { margin: 0; padding: 24px 32px 48px; font: 15px/1.45 system-ui, "Segoe UI", "DejaVu Sans",
             "Liberation Sans", Arial, sans-serif; color: #1d2433; background: #f6f7f9; }
      main { max-width: 1200px; margin: 0 auto; }
      header h1 { margin: 0 0 4px; font-size: 26px; }
      header .run { color: var(--muted); margin: 0 0 12px; }
      nav a { margin-right: 14px; color: #1f5fa8; text-decoration: none; }
      section { background: #fff; border: 1px solid #e3e6ea; border-radius: 8px; padding: 16px 20px;
                margin: 18px 0; }
      h2 { margin: 0 0 12px; font-size: 20px; }
      h3 { margin: 16px 0 6px; font-size: 16px; }
      .cards { display: flex; flex-wrap: wrap; gap: 12px; }
      .card { flex: 1 1 200px; border: 1px solid #e3e6ea; border-radius: 6px; padding: 10px 14px; }
      .card .label { color: var(--muted); font-size: 13px; }
      .card .value { font-size: 22px; font-weight: 600; }
      .card .detail { font-size: 13px; color: var(--muted); }
      .card.bad { border-color: var(--bad); background: var(--bad-bg); }
      .card.bad .value { color: var(--bad); }
      .card.ok .value { color: var(--ok); }
      .charts { display: flex; flex-wrap: wrap; gap: 16px; }
      figure { margin: 0; }
      figure img { display: block; max-width: 100%%; height: auto; border: 1px solid #eee; }
      figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; max-width: 560px; }
      table { border-collapse: collapse; width: 100%%; font-size: 14px; }
      th, td { padding: 5px 8px; border-bottom: 1px solid #e8eaee; text-align: left; vertical-align: top; }
      th { background: #f0f2f5; font-weight: 600; }
      td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      td.na { color: var(--muted); text-align: right; }
      tr.breached td { background: var(--bad-bg); }
      tr.alert td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
      td.over { color: var(--bad); font-weight: 700; }
      tr.unreliable td.num { color: var(--muted); font-style: italic; }
      tr.gap td { background: var(--bad-bg); }
      .badge { display: inline-block; padding: 0 6px; margin: 1px 4px 1px 0; border-radius: 4px;
               font-size: 12px; font-weight: 600; white-space: nowrap; }
      .badge.breach { background: var(--bad); color: #fff; }
      .badge.alert { background: #7a1208; color: #fff; }
      .badge.unreliable { background: #e4e7ec; color: #344054; }
      .badge.ok { background: #e3f4e8; color: var(--ok); }
      .badge.gap { background: var(--bad); color: #fff; }
      .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; vertical-align: baseline; }
      .swatch.dev { background: var(--dev); } .swatch.prod { background: var(--prod); }
      .no-data { color: var(--muted); font-style: italic; background: #f6f7f9; border: 1px dashed #c9ced6;
                 border-radius: 6px; padding: 10px 14px; }
      .terms { color: #344054; }
      ol.examples { padding-left: 22px; }
      ol.examples li { margin: 6px 0; padding: 6px 10px; background: #f6f7f9; border-left: 3px solid var(--prod);
                       white-space: pre-wrap; overflow-wrap: anywhere; font-size: 14px; }
      .cut { color: var(--muted); font-style: italic; }
      .note { color: var(--muted); font-size: 13px; }
      footer { color: var(--muted); font-size: 13px; text-align: center; }
      """;

  private SkewReport() {}

  /** The report as one HTML document. */
  public static String render(SkewReportData data) {
    Objects.requireNonNull(data, "the skew report's data");
    StringBuilder b = new StringBuilder(64 * 1024);
    String date = data.runDate() == null ? "unknown date" : data.runDate().toString();
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        // The browser itself then refuses anything but inline CSS and embedded images: no script,
        // no request leaves the page, even if a text slipped past the escaping.
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            + "style-src 'unsafe-inline'\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>Dev–prod skew ").append(escape(date)).append(" (run ").append(escape(data.runId()))
        .append(")</title>\n<style>\n")
        .append(String.format(Locale.ROOT, CSS, hex(SkewCharts.DEV_COLOR), hex(SkewCharts.PROD_COLOR)))
        .append("</style>\n</head>\n<body>\n<main>\n");
    b.append("<header>\n<h1>Dev–prod skew, ").append(escape(date)).append("</h1>\n")
        .append("<p class=\"run\">run <code>").append(escape(data.runId())).append("</code> · ")
        .append("<span class=\"swatch dev\"></span> dev (evaluation set) vs ")
        .append("<span class=\"swatch prod\"></span> prod (production traffic)</p>\n")
        .append("<nav><a href=\"#summary\">Summary</a><a href=\"#histograms\">Length histograms</a>")
        .append("<a href=\"#distances\">Distances</a><a href=\"#clusters\">Clusters</a>")
        .append("<a href=\"#coverage-gaps\">Coverage gaps</a><a href=\"#trends\">Trends</a></nav>\n</header>\n");
    summary(b, data.summary());
    histograms(b, data.histograms());
    distances(b, data.features());
    clusters(b, data.clusters());
    coverageGaps(b, data.clusters());
    trends(b, data.trend());
    b.append("<footer>Flywheel skew report. Self-contained: it loads nothing from the network. ")
        .append("Definitions: docs/skew.md in the Flywheel repository.</footer>\n</main>\n</body>\n</html>\n");
    return b.toString();
  }

  /**
   * Renders the report into {@code file} (parent folders created) and returns it. The file is
   * written beside its final name and moved over it, so a reader never sees half a report.
   */
  public static Path write(SkewReportData data, Path file) {
    io.flywheel.table.TextFile.writeLocal(file.toAbsolutePath(), render(data));
    return file;
  }

  private static void summary(StringBuilder b, Summary s) {
    b.append("<section id=\"summary\">\n<h2>Summary</h2>\n");
    if (s == null) {
      noData(b, "no summary figures for this run.");
      b.append("</section>\n");
      return;
    }
    b.append("<div class=\"cards\">\n");
    String drifted = s.featuresDrifted() + " of " + s.featuresTotal();
    card(b, s.featuresDrifted() > 0 ? "bad" : s.featuresTotal() == 0 ? "" : "ok", "Drifted features", drifted,
        s.featuresTotal() == 0 ? "no feature compared" : percent((double) s.featuresDrifted() / s.featuresTotal())
            + " of the features breach their threshold");
    if (s.classifierAuc() == null) {
      card(b, "", "Embedding classifier AUC", "–",
          "not computed for this run; drift when above " + trimmed(s.aucThreshold()));
    } else {
      boolean drift = s.classifierAuc() > s.aucThreshold();
      card(b, drift ? "bad" : "ok", "Embedding classifier AUC", fixed(s.classifierAuc()),
          (drift ? "drift: above " : "no drift: at most ") + "the threshold " + trimmed(s.aucThreshold())
              + " (0.5 = dev and prod cannot be told apart)");
    }
    card(b, s.coverageGaps() > 0 ? "bad" : "ok", "Coverage gaps", String.valueOf(s.coverageGaps()),
        "clusters of production texts the dev set barely covers");
    card(b, "", "Rows compared", SkewCharts.count(s.devRows()) + " / " + SkewCharts.count(s.prodRows()),
        "dev / prod");
    card(b, "", "Null or blank inputs",
        SkewCharts.count(s.devNullInputs()) + " / " + SkewCharts.count(s.prodNullInputs()),
        s.devRows() + s.prodRows() == 0 ? "no row read"
            : "dev " + share(s.devNullInputs(), s.devRows()) + ", prod " + share(s.prodNullInputs(), s.prodRows())
                + " of the rows; counted, not compared");
    b.append("</div>\n</section>\n");
  }

  private static void card(StringBuilder b, String cls, String label, String value, String detail) {
    b.append(cls.isEmpty() ? "<div class=\"card\">" : "<div class=\"card " + cls + "\">")
        .append("<div class=\"label\">").append(escape(label))
        .append("</div><div class=\"value\">").append(escape(value)).append("</div><div class=\"detail\">")
        .append(escape(detail)).append("</div></div>\n");
  }

  private static void histograms(StringBuilder b, List<Histogram> histograms) {
    b.append("<section id=\"histograms\">\n<h2>Length histograms, dev vs prod</h2>\n");
    if (histograms.isEmpty()) {
      noData(b, "no histogram was computed for this run.");
      b.append("</section>\n");
      return;
    }
    b.append("<p class=\"note\">Each side is shown as shares of its own texts, so a larger prod side does "
        + "not dwarf dev; the counts are in the legend.</p>\n<div class=\"charts\">\n");
    for (Histogram h : histograms) {
      long dev = SkewCharts.sum(h.devCounts());
      long prod = SkewCharts.sum(h.prodCounts());
      b.append("<figure>\n");
      if (h.bins() == 0 || dev + prod == 0) {
        b.append("<h3>").append(escape(h.title())).append("</h3>\n");
        noData(b, "no values on either side.");
      } else {
        image(b, SkewCharts.histogram(h), SkewCharts.HISTOGRAM_WIDTH, SkewCharts.HISTOGRAM_HEIGHT,
            h.title() + ": dev vs prod histogram");
        b.append("<figcaption>").append(escape(h.title())).append(": dev ").append(SkewCharts.count(dev))
            .append(" texts, prod ").append(SkewCharts.count(prod)).append(" texts, ").append(h.bins())
            .append(" bins from ").append(number(h.binEdges()[0])).append(" to ")
            .append(number(h.binEdges()[h.bins()])).append('.');
        if (dev == 0 || prod == 0) {
          b.append(" <strong>The ").append(dev == 0 ? "dev" : "prod").append(" side has no value.</strong>");
        }
        b.append("</figcaption>\n");
      }
      b.append("</figure>\n");
    }
    b.append("</div>\n</section>\n");
  }

  private static void distances(StringBuilder b, List<FeatureRow> features) {
    b.append("<section id=\"distances\">\n<h2>Distances per feature, dev vs prod</h2>\n");
    if (features.isEmpty()) {
      noData(b, "no feature was compared in this run.");
      b.append("</section>\n");
      return;
    }
    long breached = features.stream().filter(FeatureRow::breached).count();
    long alerts = features.stream().filter(FeatureRow::alert).count();
    b.append("<p class=\"note\">").append(breached).append(" of ").append(features.size())
        .append(" features breach their threshold, ").append(alerts).append(" with an alert. Alerts come first, ")
        .append("then breaches; a value over the row's threshold is in bold red; values marked † are ")
        .append("unreliable (for example a dev side that barely varies). JS = Jensen–Shannon distance, ")
        .append("PSI = population stability index, W₁/σ = Wasserstein-1 over the dev standard deviation, ")
        .append("L∞ = largest gap between category shares.</p>\n");
    b.append("<table>\n<thead><tr><th>field</th><th>feature</th><th>kind</th><th>JS</th><th>PSI</th>")
        .append("<th>W₁/σ</th><th>L∞</th><th>largest gap at</th><th>threshold</th><th>status</th></tr></thead>\n<tbody>\n");
    List<FeatureRow> ordered = new ArrayList<>(features);
    ordered.sort(Comparator.comparing((FeatureRow f) -> !f.alert()).thenComparing(f -> !f.breached()));
    for (FeatureRow f : ordered) {
      List<String> classes = new ArrayList<>();
      if (f.breached()) {
        classes.add("breached");
      }
      if (f.alert()) {
        classes.add("alert");
      }
      if (!f.reliable()) {
        classes.add("unreliable");
      }
      b.append("<tr").append(classes.isEmpty() ? "" : " class=\"" + String.join(" ", classes) + "\"").append('>')
          .append("<td>").append(escape(f.field())).append("</td><td>").append(escape(f.feature()))
          .append("</td><td>").append(escape(f.kind())).append("</td>");
      for (Double v : new Double[] {f.js(), f.psi(), f.wassersteinNorm(), f.linf()}) {
        distanceCell(b, v, f);
      }
      b.append("<td>").append(escape(f.largestGapCategory())).append("</td><td class=\"num\">")
          .append(trimmed(f.threshold())).append("</td><td>");
      if (f.alert()) {
        b.append("<span class=\"badge alert\">alert</span>");
        if (f.alertReason() != null && !f.alertReason().isBlank()) {
          b.append(escape(f.alertReason())).append(' ');
        }
      }
      if (f.breached()) {
        b.append("<span class=\"badge breach\">breach</span>");
      }
      if (!f.reliable()) {
        b.append("<span class=\"badge unreliable\">† unreliable</span>");
      }
      if (!f.alert() && !f.breached() && f.reliable()) {
        b.append("<span class=\"badge ok\">ok</span>");
      }
      b.append("</td></tr>\n");
    }
    b.append("</tbody>\n</table>\n</section>\n");
  }

  private static void distanceCell(StringBuilder b, Double v, FeatureRow f) {
    if (v == null || v.isNaN()) {
      b.append("<td class=\"na\" title=\"not applicable or no value\">–</td>");
      return;
    }
    b.append("<td class=\"num").append(v > f.threshold() ? " over" : "").append("\">").append(fixed(v))
        .append(f.reliable() ? "" : " †").append("</td>");
  }

  private static void clusters(StringBuilder b, List<ClusterRow> clusters) {
    b.append("<section id=\"clusters\">\n<h2>Embedding clusters, dev vs prod</h2>\n");
    if (clusters.isEmpty()) {
      noData(b, "no clusters yet: embedding clusters were not computed for this run.");
      b.append("</section>\n");
      return;
    }
    long devTotal = clusters.stream().mapToLong(ClusterRow::devCount).sum();
    long prodTotal = clusters.stream().mapToLong(ClusterRow::prodCount).sum();
    b.append("<figure>\n");
    image(b, SkewCharts.clusters(clusters), SkewCharts.CLUSTERS_WIDTH, SkewCharts.CLUSTERS_HEIGHT,
        "cluster sizes, dev vs prod");
    b.append("<figcaption>Share of each side's embedded texts per cluster (dev ").append(SkewCharts.count(devTotal))
        .append(", prod ").append(SkewCharts.count(prodTotal)).append(" texts); shaded clusters are coverage gaps.")
        .append("</figcaption>\n</figure>\n");
    b.append("<table>\n<thead><tr><th>cluster</th><th>dev texts</th><th>prod texts</th><th>dev share</th>")
        .append("<th>prod share</th><th>drift ratio</th><th>coverage gap</th><th>top terms</th></tr></thead>\n<tbody>\n");
    for (ClusterRow c : clusters) {
      b.append(c.coverageGap() ? "<tr class=\"gap\">" : "<tr>")
          .append("<td class=\"num\">").append(c.cluster()).append("</td><td class=\"num\">")
          .append(SkewCharts.count(c.devCount())).append("</td><td class=\"num\">")
          .append(SkewCharts.count(c.prodCount())).append("</td><td class=\"num\">")
          .append(share(c.devCount(), devTotal)).append("</td><td class=\"num\">")
          .append(share(c.prodCount(), prodTotal)).append("</td><td class=\"num\">")
          .append(String.format(Locale.ROOT, "%+.2f", c.driftRatio())).append("</td><td>")
          .append(c.coverageGap() ? "<span class=\"badge gap\">gap</span>" : "").append("</td><td class=\"terms\">")
          .append(escape(String.join(", ", c.topTerms()))).append("</td></tr>\n");
    }
    b.append("</tbody>\n</table>\n</section>\n");
  }

  private static void coverageGaps(StringBuilder b, List<ClusterRow> clusters) {
    b.append("<section id=\"coverage-gaps\">\n<h2>Coverage gaps: production texts the dev set does not cover</h2>\n");
    List<ClusterRow> gaps = clusters.stream().filter(ClusterRow::coverageGap).toList();
    if (clusters.isEmpty()) {
      noData(b, "no clusters yet, so no coverage gap can be shown.");
    } else if (gaps.isEmpty()) {
      b.append("<p class=\"no-data\">No coverage gap in this run: every cluster has enough dev texts.</p>\n");
    }
    for (ClusterRow c : gaps) {
      b.append("<h3>Cluster ").append(c.cluster()).append(": ").append(SkewCharts.count(c.devCount()))
          .append(" dev, ").append(SkewCharts.count(c.prodCount())).append(" prod texts (drift ratio ")
          .append(String.format(Locale.ROOT, "%+.2f", c.driftRatio())).append(")</h3>\n");
      b.append("<p class=\"terms\">Top terms: ")
          .append(c.topTerms().isEmpty() ? "none" : escape(String.join(", ", c.topTerms()))).append("</p>\n");
      if (c.examples().isEmpty()) {
        noData(b, "no example text stored for this cluster.");
        continue;
      }
      b.append("<ol class=\"examples\">\n");
      for (String text : c.examples()) {
        b.append("<li>").append(example(text)).append("</li>\n");
      }
      b.append("</ol>\n");
    }
    b.append("</section>\n");
  }

  private static void trends(StringBuilder b, List<TrendPoint> trend) {
    b.append("<section id=\"trends\">\n<h2>Trends over past runs</h2>\n");
    Map<String, List<TrendPoint>> bySeries = new LinkedHashMap<>();
    int leftOut = 0;
    for (TrendPoint p : trend) {
      if (p.runDate() == null || !Double.isFinite(p.value())) {
        leftOut++;
        continue;
      }
      bySeries.computeIfAbsent(p.series() == null ? "(unnamed)" : p.series(), k -> new ArrayList<>()).add(p);
    }
    if (bySeries.isEmpty()) {
      noData(b, trend.isEmpty()
          ? "no earlier run to compare with yet (this is the first run)."
          : "no trend point has a run date and a finite value.");
      b.append("</section>\n");
      return;
    }
    bySeries.values().forEach(points -> points.sort(Comparator.comparing(TrendPoint::runDate)));
    long runs = trend.stream().map(TrendPoint::runDate).filter(d -> d != null).distinct().count();
    if (runs == 1) {
      b.append("<p class=\"note\">Only one run so far: each series is a single point until the next run.</p>\n");
    }
    if (leftOut > 0) {
      b.append("<p class=\"note\">").append(leftOut).append(leftOut == 1 ? " trend point" : " trend points")
          .append(" without a run date or with a non-finite value ").append(leftOut == 1 ? "is" : "are")
          .append(" left out.</p>\n");
    }
    List<String> names = new ArrayList<>(bySeries.keySet());
    int charts = (names.size() + SERIES_PER_TREND_CHART - 1) / SERIES_PER_TREND_CHART;
    for (int c = 0; c < charts; c++) {
      Map<String, List<TrendPoint>> part = new LinkedHashMap<>();
      for (String name : names.subList(c * SERIES_PER_TREND_CHART,
          Math.min(names.size(), (c + 1) * SERIES_PER_TREND_CHART))) {
        part.put(name, bySeries.get(name));
      }
      String title = charts == 1 ? "Trends over past runs" : "Trends over past runs (" + (c + 1) + " of " + charts + ")";
      b.append("<figure>\n");
      image(b, SkewCharts.trend(title, part), SkewCharts.TREND_WIDTH, SkewCharts.TREND_HEIGHT,
          "trend of " + String.join(", ", part.keySet()));
      b.append("<figcaption>").append(escape(String.join(", ", part.keySet()))).append(" over ").append(runs)
          .append(runs == 1 ? " run" : " runs").append(".</figcaption>\n</figure>\n");
    }
    b.append("</section>\n");
  }

  private static void image(StringBuilder b, byte[] png, int width, int height, String alt) {
    b.append("<img src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
        .append("\" width=\"").append(width).append("\" height=\"").append(height).append("\" alt=\"")
        .append(escape(alt)).append("\">\n");
  }

  private static void noData(StringBuilder b, String what) {
    b.append("<p class=\"no-data\">No data: ").append(escape(what)).append("</p>\n");
  }

  /** An example text, escaped and cut to {@link #MAX_EXAMPLE_CHARS} characters with the cut stated. */
  static String example(String text) {
    if (text == null) {
      return "<span class=\"cut\">(null text)</span>";
    }
    int chars = text.codePointCount(0, text.length());
    if (chars <= MAX_EXAMPLE_CHARS) {
      return escape(text);
    }
    return escape(text.substring(0, text.offsetByCodePoints(0, MAX_EXAMPLE_CHARS)))
        + "<span class=\"cut\"> … (" + SkewCharts.count(chars - MAX_EXAMPLE_CHARS) + " more characters)</span>";
  }

  /**
   * Text as HTML element content or attribute value: markup characters become entities, and control
   * characters and lone surrogates (which cannot be written as UTF-8) become U+FFFD.
   */
  public static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> {
          if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            b.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c) || (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
              || (c >= 0x7F && c <= 0x9F)) {
            b.append('\uFFFD');
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  private static String number(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "–";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%,.1f" : "%.3f", v);
  }

  private static String fixed(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String trimmed(double v) {
    if (!Double.isFinite(v)) {
      return "–";
    }
    return new BigDecimal(v).setScale(4, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
  }

  private static String percent(double v) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * v);
  }

  private static String share(long count, long total) {
    return total == 0 ? "–" : percent((double) count / total);
  }

  private static String hex(Color c) {
    return String.format(Locale.ROOT, "#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
  }
}
