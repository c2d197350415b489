package io.flywheel.skew.report;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.skew.NumericDrift;
import io.flywheel.skew.report.SkewReportData.ClusterRow;
import io.flywheel.skew.report.SkewReportData.Histogram;
import io.flywheel.skew.report.SkewReportData.Summary;
import io.flywheel.skew.report.SkewReportData.TrendPoint;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report renderer on realistic and on empty inputs, read back as HTML and as decoded PNG images. */
class SkewReportTest {
  private static final Pattern IMG = Pattern.compile(
      "<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" width=\"(\\d+)\" height=\"(\\d+)\"");

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private static final String NO_DATA = "<p class=\"no-data\">No data:";

  @Test
  void rendersEverySectionWithTheRunAndItsSummary() {
    String html = SkewReport.render(SkewReportSamples.drifted());

    assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n")
        .contains("<section id=\"summary\">", "<section id=\"histograms\">", "<section id=\"distances\">",
            "<section id=\"clusters\">", "<section id=\"coverage-gaps\">", "<section id=\"trends\">")
        .contains("<h1>Dev–prod skew, 2026-11-28</h1>")
        // drifted share, AUC against its threshold, coverage gaps, null inputs per side
        .contains("<div class=\"value\">2 of 10</div>", "20.0% of the features breach their threshold")
        .contains("<div class=\"value\">0.913</div>", "drift: above the threshold 0.55")
        .contains("Coverage gaps</div><div class=\"value\">1</div>")
        .contains("<div class=\"value\">12 / 31</div>", "dev 1.2%, prod 2.1% of the rows")
        .doesNotContain(NO_DATA);
  }

  @Test
  void embedsOnePngPerChartAtItsFixedSize() throws IOException {
    String html = SkewReport.render(SkewReportSamples.drifted());

    List<BufferedImage> images = images(html);
    // two histograms, the cluster sizes, one trend chart (two series)
    assertThat(images).hasSize(4);
    assertThat(count(html, "<img ")).isEqualTo(4);
    int[][] sizes = {
      {SkewCharts.HISTOGRAM_WIDTH, SkewCharts.HISTOGRAM_HEIGHT},
      {SkewCharts.HISTOGRAM_WIDTH, SkewCharts.HISTOGRAM_HEIGHT},
      {SkewCharts.CLUSTERS_WIDTH, SkewCharts.CLUSTERS_HEIGHT},
      {SkewCharts.TREND_WIDTH, SkewCharts.TREND_HEIGHT}
    };
    for (int i = 0; i < sizes.length; i++) {
      assertThat(images.get(i).getWidth()).as("width of image %d", i).isEqualTo(sizes[i][0]);
      assertThat(images.get(i).getHeight()).as("height of image %d", i).isEqualTo(sizes[i][1]);
    }
  }

  @Test
  void chartsDrawBothSidesInTheirColoursAndShadeCoverageGaps() throws IOException {
    List<BufferedImage> images = images(SkewReport.render(SkewReportSamples.drifted()));

    BufferedImage histogram = images.get(0);
    BufferedImage clusters = images.get(2);
    // Bar interiors are filled with the exact side colour; a chart that drew no bar has none.
    assertThat(pixels(histogram, SkewCharts.DEV_COLOR)).isGreaterThan(1_000);
    assertThat(pixels(histogram, SkewCharts.PROD_COLOR)).isGreaterThan(1_000);
    assertThat(pixels(clusters, SkewCharts.DEV_COLOR)).isGreaterThan(1_000);
    assertThat(pixels(clusters, SkewCharts.PROD_COLOR)).isGreaterThan(1_000);
    assertThat(pixels(clusters, SkewCharts.GAP_BAND)).isGreaterThan(1_000);

    SkewReportData noGap = withClusters(SkewReportSamples.drifted(), SkewReportSamples.drifted().clusters().stream()
        .map(c -> new ClusterRow(c.cluster(), c.devCount() + 50, c.prodCount(), c.driftRatio(), false,
            c.topTerms(), c.examples()))
        .toList());
    String html = SkewReport.render(noGap);
    assertThat(pixels(images(html).get(2), SkewCharts.GAP_BAND)).isZero();
    assertThat(html).contains("<p class=\"no-data\">No coverage gap in this run");
  }

  @Test
  void breachedRowsAreMarkedAlertsFirstAndUnreliableValuesFlagged() {
    String html = SkewReport.render(SkewReportSamples.drifted());

    assertThat(row(html, "input", "lower_share")).startsWith("<tr class=\"breached alert\">")
        .contains("<span class=\"badge alert\">alert</span>over its threshold, and 4.2 standard deviations")
        .contains("<td class=\"num over\">1.240</td>");
    assertThat(row(html, "input", "chars")).startsWith("<tr class=\"breached\">")
        .contains("<td class=\"num over\">0.310</td>", "<span class=\"badge breach\">breach</span>");
    assertThat(row(html, "input", "words")).startsWith("<tr><td>")
        .contains("<td class=\"num\">0.080</td>", "<span class=\"badge ok\">ok</span>")
        .doesNotContain("over");
    assertThat(row(html, "input", "fragment_share")).startsWith("<tr class=\"unreliable\">")
        .contains("<td class=\"num over\">0.130 †</td>", "† unreliable")
        .doesNotContain("breach");
    // PSI and W1 do not apply to a categorical feature; L-infinity and its category do.
    assertThat(row(html, "input", "language"))
        .contains("<td class=\"na\" title=\"not applicable or no value\">–</td>", "<td class=\"num\">0.050</td>",
            "<td>es</td>");
    assertThat(html.indexOf(row(html, "input", "lower_share")))
        .isLessThan(html.indexOf(row(html, "input", "chars")));
    assertThat(html.indexOf(row(html, "input", "chars")))
        .isLessThan(html.indexOf(row(html, "input", "words")));
    assertThat(count(html, "<tr class=\"breached")).isEqualTo(2);
  }

  @Test
  void textsFromTheDataAreEscaped() {
    String html = SkewReport.render(SkewReportSamples.drifted());

    assertThat(html).doesNotContain(SkewReportSamples.HOSTILE_TEXT).doesNotContainIgnoringCase("<script")
        .contains("<li>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt; "
            + "&quot;quoted&quot;</li>")
        .contains("<code>skew-2026-11-28-&lt;run&gt;</code>", "(run skew-2026-11-28-&lt;run&gt;)</title>")
        .contains("crypto, wallet, &lt;seed&gt;");
    // The hostile <img> stayed text: the only images are the four charts.
    assertThat(count(html, "<img ")).isEqualTo(4);
  }

  @Test
  void loadsNothingFromTheNetwork() {
    String html = SkewReport.render(SkewReportSamples.drifted());

    assertThat(html).doesNotContainPattern("(?i)\\b(src|href|srcset|action|poster)\\s*=\\s*[\"']?\\s*(https?:|//)")
        .doesNotContainPattern("(?i)url\\s*\\(")
        .doesNotContainPattern("(?i)@import")
        .doesNotContainPattern("(?i)<(script|link|iframe|object|embed|base)\\b")
        .contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:;");
    Matcher src = Pattern.compile("\\bsrc=\"([^\"]{0,30})").matcher(html);
    int sources = 0;
    while (src.find()) {
      assertThat(src.group(1)).startsWith("data:image/png;base64,");
      sources++;
    }
    assertThat(sources).isEqualTo(4);
    Matcher href = Pattern.compile("\\bhref=\"([^\"]*)\"").matcher(html);
    int links = 0;
    while (href.find()) {
      assertThat(href.group(1)).startsWith("#");
      links++;
    }
    assertThat(links).isEqualTo(6);
  }

  @Test
  void longExamplesAreCutWithoutSplittingACharacter() {
    String text = "a".repeat(SkewReport.MAX_EXAMPLE_CHARS - 1) + "😀" + "<b>".repeat(100);

    String shown = SkewReport.example(text);

    assertThat(shown).isEqualTo("a".repeat(SkewReport.MAX_EXAMPLE_CHARS - 1) + "😀"
        + "<span class=\"cut\"> … (300 more characters)</span>");
    assertThat(SkewReport.example("<b>short</b>")).isEqualTo("&lt;b&gt;short&lt;/b&gt;");
    assertThat(SkewReport.example(null)).isEqualTo("<span class=\"cut\">(null text)</span>");
  }

  @Test
  void escapingReplacesControlCharactersAndLoneSurrogates(@TempDir Path dir) throws IOException {
    assertThat(SkewReport.escape("a\u0000b\uD800c\u0085d\te\nf😀")).isEqualTo("a\uFFFDb\uFFFDc\uFFFDd\te\nf😀");
    assertThat(SkewReport.escape(null)).isEmpty();

    // A lone surrogate cannot be encoded as UTF-8: unescaped, it would make the write fail.
    SkewReportData data = withClusters(SkewReportSamples.drifted(),
        List.of(new ClusterRow(0, 0, 10, 1, true, List.of("x\uDC00"), List.of("broken \uD83D text"))));
    Path file = SkewReport.write(data, dir.resolve("report.html"));
    assertThat(Files.readString(file, UTF_8)).contains("<li>broken \uFFFD text</li>", "x\uFFFD");
  }

  @Test
  void anEmptyRunRendersANoDataNoteInEverySectionAndNoChart() {
    String html = SkewReport.render(SkewReportSamples.empty());

    assertThat(count(html, NO_DATA)).isEqualTo(5);
    assertThat(html).doesNotContain("<img ")
        .contains("No data: no histogram was computed", "No data: no feature was compared",
            "No data: no clusters yet: embedding clusters were not computed",
            "No data: no clusters yet, so no coverage gap", "No data: no earlier run to compare with yet")
        .contains("<div class=\"card\"><div class=\"label\">Drifted features</div><div class=\"value\">0 of 0</div>",
            "Embedding classifier AUC</div><div class=\"value\">–</div>", "not computed for this run", "no row read");
  }

  @Test
  void nullListsAndNoSummaryRenderToo() {
    String html = SkewReport.render(new SkewReportData(null, null, null, null, null, null, null));

    assertThat(count(html, NO_DATA)).isEqualTo(6);
    assertThat(html).contains("<h1>Dev–prod skew, unknown date</h1>", "No data: no summary figures for this run.");
  }

  @Test
  void aFirstRunWithOnePointPerSeriesStillDrawsItsTrend() throws IOException {
    SkewReportData data = withTrend(SkewReportSamples.drifted(), List.of(
        new TrendPoint(SkewReportSamples.RUN_DATE, "drifted share", 0.2),
        new TrendPoint(SkewReportSamples.RUN_DATE, "input chars js", 0.31)));

    String html = SkewReport.render(data);

    assertThat(images(html)).hasSize(4);
    assertThat(html).contains("Only one run so far").contains("drifted share, input chars js over 1 run.");
  }

  @Test
  void manySeriesAreSplitIntoChartsOfSixAndNonFiniteValuesAreCounted() throws IOException {
    List<TrendPoint> trend = new ArrayList<>();
    for (int s = 0; s < 13; s++) {
      for (int d = 0; d < 3; d++) {
        trend.add(new TrendPoint(SkewReportSamples.RUN_DATE.minusDays(d), "series " + s, s + d / 10.0));
      }
    }
    trend.add(new TrendPoint(SkewReportSamples.RUN_DATE, "series 0", Double.NaN));

    String html = SkewReport.render(withTrend(SkewReportSamples.drifted(), trend));

    // 2 histograms + clusters + ceil(13 / 6) = 3 trend charts
    assertThat(images(html)).hasSize(6);
    assertThat(html).contains("alt=\"trend of series 12\">\n<figcaption>series 12 over 3 runs.</figcaption>",
        "alt=\"trend of series 6, series 7, series 8, series 9, series 10, series 11\">",
        "1 trend point without a run date or with a non-finite value is left out.");
  }

  @Test
  void aHistogramWithAnEmptySideOrOneConstantValueRenders() throws IOException {
    SkewReportData data = withHistograms(SkewReportSamples.drifted(), List.of(
        new Histogram("output length (characters)", new double[] {0, 10, 20}, new long[] {4, 6}, new long[] {0, 0}),
        new Histogram("sentences", new double[] {7, 7}, new long[] {5}, new long[] {3}),
        new Histogram("words", new double[0], new long[0], new long[0])));

    String html = SkewReport.render(data);

    assertThat(images(html)).hasSize(4); // two drawn histograms, clusters, trend
    assertThat(html).contains("<strong>The prod side has no value.</strong>", "1 bins from 7 to 7.")
        .contains("<h3>words</h3>\n<p class=\"no-data\">No data: no values on either side.</p>");
    assertThat(pixels(images(html).get(1), SkewCharts.DEV_COLOR)).isGreaterThan(1_000);
  }

  @Test
  void aHistogramWhoseBinsDoNotMatchIsRefusedNamingIt() {
    assertThatThrownBy(() -> new Histogram("input length (characters)", new double[] {0, 1, 2}, new long[] {1},
        new long[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("histogram 'input length (characters)': 3 bin edges, 1 dev counts and 1 prod counts");
    assertThatThrownBy(() -> new Histogram("chars", new double[] {0, 1, 2}, new long[] {1, 2}, new long[] {1}))
        .hasMessageContaining("histogram 'chars'");
  }

  @Test
  void aHistogramComesStraightFromANumericDrift() {
    // 4 + 4 values over [0, 10]: Sturges gives ceil(log2 8) + 1 = 4 bins of width 2.5.
    NumericDrift drift = NumericDrift.compare("chars", new double[] {0, 1, 2, 3}, new double[] {4, 6, 8, 10}, 0, 0);

    Histogram h = Histogram.of("input length (characters)", drift);

    assertThat(h.binEdges()).containsExactly(0, 2.5, 5, 7.5, 10);
    assertThat(h.devCounts()).containsExactly(3, 1, 0, 0);
    assertThat(h.prodCounts()).containsExactly(0, 1, 1, 2);
    assertThat(Histogram.of("empty", NumericDrift.compare("chars", new double[0], new double[] {1}, 3, 0)).bins())
        .isZero();
  }

  @Test
  void writeCreatesTheFoldersAndReplacesAnEarlierReportWhole(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("reports/skew/2026-11-28.html");

    assertThat(SkewReport.write(SkewReportSamples.drifted(), file)).isEqualTo(file);
    SkewReportData second = SkewReportSamples.empty();
    SkewReport.write(second, file);

    assertThat(Files.readString(file, UTF_8)).isEqualTo(SkewReport.render(second));
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void theSummaryStatesNoDriftWhenTheAucIsAtMostItsThreshold() {
    SkewReportData data = SkewReportSamples.drifted();
    SkewReportData calm = new SkewReportData(data.runId(), data.runDate(),
        new Summary(1_000, 1_500, 0, 0, 0, 10, 0.55, 0.55, 0), data.features(), data.histograms(),
        data.clusters(), data.trend());

    assertThat(SkewReport.render(calm))
        .contains("<div class=\"card ok\"><div class=\"label\">Embedding classifier AUC</div>"
            + "<div class=\"value\">0.550</div><div class=\"detail\">no drift: at most the threshold 0.55")
        .contains("<div class=\"card ok\"><div class=\"label\">Drifted features</div><div class=\"value\">0 of 10");
  }

  /** The row of one feature, from its opening tag to its end. */
  private static String row(String html, String field, String feature) {
    Matcher m = Pattern.compile("<tr[^>]*><td>" + Pattern.quote(field) + "</td><td>" + Pattern.quote(feature)
        + "</td>.*?</tr>").matcher(html);
    assertThat(m.find()).as("row of %s %s", field, feature).isTrue();
    return m.group();
  }

  private static List<BufferedImage> images(String html) throws IOException {
    List<BufferedImage> images = new ArrayList<>();
    Matcher m = IMG.matcher(html);
    while (m.find()) {
      byte[] png = Base64.getDecoder().decode(m.group(1));
      assertThat(png).startsWith(PNG_SIGNATURE);
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      assertThat(image).as("image %d decodes", images.size()).isNotNull();
      assertThat(image.getWidth()).isEqualTo(Integer.parseInt(m.group(2)));
      assertThat(image.getHeight()).isEqualTo(Integer.parseInt(m.group(3)));
      images.add(image);
    }
    return images;
  }

  private static int pixels(BufferedImage image, Color color) {
    int wanted = color.getRGB() & 0xFFFFFF;
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if ((image.getRGB(x, y) & 0xFFFFFF) == wanted) {
          n++;
        }
      }
    }
    return n;
  }

  private static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
  }

  private static SkewReportData withClusters(SkewReportData d, List<ClusterRow> clusters) {
    return new SkewReportData(d.runId(), d.runDate(), d.summary(), d.features(), d.histograms(), clusters, d.trend());
  }

  private static SkewReportData withTrend(SkewReportData d, List<TrendPoint> trend) {
    return new SkewReportData(d.runId(), d.runDate(), d.summary(), d.features(), d.histograms(), d.clusters(), trend);
  }

  private static SkewReportData withHistograms(SkewReportData d, List<Histogram> histograms) {
    return new SkewReportData(d.runId(), d.runDate(), d.summary(), d.features(), histograms, d.clusters(), d.trend());
  }
}
