package io.flywheel.skew.report;

import io.flywheel.skew.report.SkewReportData.ClusterRow;
import io.flywheel.skew.report.SkewReportData.Histogram;
import io.flywheel.skew.report.SkewReportData.TrendPoint;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.NumberFormat;
import java.text.SimpleDateFormat;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.DateTickUnit;
import org.jfree.chart.axis.DateTickUnitType;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryMarker;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.ClusteredXYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.time.Day;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;

/**
 * The skew report's charts, drawn by JFreeChart off screen at fixed sizes and encoded as PNG
 * (docs/skew.md#report). Its theme and PNG encoding also draw the notebooks' charts
 * ({@code io.flywheel.notebook.NotebookCharts}).
 */
public final class SkewCharts {
  static {
    preferHeadless();
  }

  static final int HISTOGRAM_WIDTH = 560;
  static final int HISTOGRAM_HEIGHT = 340;
  static final int CLUSTERS_WIDTH = 1120;
  static final int CLUSTERS_HEIGHT = 420;
  static final int TREND_WIDTH = 1120;
  static final int TREND_HEIGHT = 400;

  /** Dev and prod colours, shared by every chart and the page's legend swatches (colour-blind safe pair). */
  static final Color DEV_COLOR = new Color(0x1F, 0x77, 0xB4);
  static final Color PROD_COLOR = new Color(0xE6, 0x7E, 0x22);
  static final Color GAP_BAND = new Color(0xF8, 0xD7, 0xDA);

  /**
   * Series colours of the trend charts, one per line: the Tableau/matplotlib 10 without its blue and
   * orange, which mean dev and prod everywhere else in the report.
   */
  private static final Color[] SERIES_COLORS = {
    new Color(0x94, 0x67, 0xBD), new Color(0x2C, 0xA0, 0x2C), new Color(0xD6, 0x27, 0x28),
    new Color(0x17, 0xBE, 0xCF), new Color(0x8C, 0x56, 0x4B), new Color(0xE3, 0x77, 0xC2),
    new Color(0xBC, 0xBD, 0x22), new Color(0x7F, 0x7F, 0x7F)
  };

  private static final String FONT = "SansSerif";

  private SkewCharts() {}

  /**
   * Draws off screen unless the caller chose otherwise. AWT decides once, when its graphics
   * environment first loads (java.awt.Color's initializer already asks), so this runs first in
   * this class's initializer, before its colours, and from SkewReport's.
   */
  public static void preferHeadless() {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** Dev and prod side by side in each bin, both as shares of their side's count. */
  static byte[] histogram(Histogram h) {
    long devTotal = sum(h.devCounts());
    long prodTotal = sum(h.prodCounts());
    XYIntervalSeries dev = new XYIntervalSeries("dev (" + count(devTotal) + ")");
    XYIntervalSeries prod = new XYIntervalSeries("prod (" + count(prodTotal) + ")");
    double[] edges = h.binEdges();
    for (int i = 0; i < h.bins(); i++) {
      double low = edges[i];
      double high = edges[i + 1];
      if (high <= low) {
        // A constant feature has one zero-width bin; give it a unit width so its bar shows.
        low -= 0.5;
        high = low + 1;
      }
      double mid = (low + high) / 2;
      double devShare = share(h.devCounts()[i], devTotal);
      double prodShare = share(h.prodCounts()[i], prodTotal);
      dev.add(mid, low, high, devShare, devShare, devShare);
      prod.add(mid, low, high, prodShare, prodShare, prodShare);
    }
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    data.addSeries(dev);
    data.addSeries(prod);
    JFreeChart chart = ChartFactory.createXYBarChart(h.title(), null, false, "share of the side's texts", data);
    theme().apply(chart);
    chart.addSubtitle(new TextTitle("dev " + count(devTotal) + " texts, prod " + count(prodTotal)
        + " texts; " + h.bins() + " bins", new Font(FONT, Font.PLAIN, 12)));
    XYPlot plot = chart.getXYPlot();
    ClusteredXYBarRenderer renderer = new ClusteredXYBarRenderer(0.08, false);
    renderer.setBarPainter(new StandardXYBarPainter());
    renderer.setShadowVisible(false);
    renderer.setDrawBarOutline(false);
    renderer.setSeriesPaint(0, DEV_COLOR);
    renderer.setSeriesPaint(1, PROD_COLOR);
    plot.setRenderer(renderer);
    ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(percent());
    // Exactly the binned range (plus a hair), so no tick is drawn past the last edge.
    double low = dev.getXLowValue(0);
    double high = dev.getXHighValue(h.bins() - 1);
    double pad = (high - low) * 0.01;
    plot.getDomainAxis().setRange(low - pad, high + pad);
    return png(chart, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT);
  }

  /** Each cluster's share of the dev texts beside its share of the prod texts; coverage gaps shaded. */
  static byte[] clusters(List<ClusterRow> clusters) {
    long devTotal = clusters.stream().mapToLong(ClusterRow::devCount).sum();
    long prodTotal = clusters.stream().mapToLong(ClusterRow::prodCount).sum();
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (ClusterRow c : clusters) {
      String key = clusterLabel(c);
      data.addValue(share(c.devCount(), devTotal), "dev (" + count(devTotal) + ")", key);
      data.addValue(share(c.prodCount(), prodTotal), "prod (" + count(prodTotal) + ")", key);
    }
    JFreeChart chart = ChartFactory.createBarChart(
        "Cluster sizes, dev vs prod", "cluster", "share of the side's embedded texts", data);
    theme().apply(chart);
    long gaps = clusters.stream().filter(ClusterRow::coverageGap).count();
    chart.addSubtitle(new TextTitle(gaps == 0 ? "no coverage gap" : "shaded: coverage gap (" + gaps + ")",
        new Font(FONT, Font.PLAIN, 12)));
    CategoryPlot plot = chart.getCategoryPlot();
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setItemMargin(0.05);
    renderer.setSeriesPaint(0, DEV_COLOR);
    renderer.setSeriesPaint(1, PROD_COLOR);
    for (ClusterRow c : clusters) {
      if (c.coverageGap()) {
        CategoryMarker band = new CategoryMarker(clusterLabel(c), GAP_BAND, new BasicStroke(1f));
        band.setDrawAsLine(false);
        band.setAlpha(1f);
        plot.addDomainMarker(band, Layer.BACKGROUND);
      }
    }
    CategoryAxis axis = plot.getDomainAxis();
    axis.setCategoryMargin(0.15);
    if (clusters.size() > 16) {
      axis.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }
    ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(percent());
    return png(chart, CLUSTERS_WIDTH, CLUSTERS_HEIGHT);
  }

  /** One line per series over the run dates, with a point on every run. */
  static byte[] trend(String title, Map<String, List<TrendPoint>> seriesPoints) {
    TimeSeriesCollection data = new TimeSeriesCollection();
    for (Map.Entry<String, List<TrendPoint>> e : seriesPoints.entrySet()) {
      TimeSeries series = new TimeSeries(e.getKey());
      for (TrendPoint p : e.getValue()) {
        // addOrUpdate: two points of one series on one date keep the last, as a rerun would.
        series.addOrUpdate(day(p.runDate()), p.value());
      }
      data.addSeries(series);
    }
    JFreeChart chart = ChartFactory.createTimeSeriesChart(title, "run date", "value", data);
    theme().apply(chart);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      renderer.setSeriesPaint(i, SERIES_COLORS[i % SERIES_COLORS.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2.2f));
    }
    plot.setRenderer(renderer);
    // Ticks on whole days only (at most about 10 labels), over the run dates plus half a day each
    // side, so that a single run is a visible point rather than a zero-length axis. Day and
    // DateAxis both work in the JVM's default time zone, so each label falls on its day.
    LocalDate first = seriesPoints.values().stream().flatMap(List::stream).map(TrendPoint::runDate)
        .min(LocalDate::compareTo).orElseThrow();
    LocalDate last = seriesPoints.values().stream().flatMap(List::stream).map(TrendPoint::runDate)
        .max(LocalDate::compareTo).orElseThrow();
    long days = ChronoUnit.DAYS.between(first, last);
    DateAxis axis = (DateAxis) plot.getDomainAxis();
    axis.setTickUnit(new DateTickUnit(DateTickUnitType.DAY, (int) Math.max(1, (days + 9) / 10),
        new SimpleDateFormat("yyyy-MM-dd", Locale.ROOT)));
    long halfDay = 12L * 60 * 60 * 1000;
    axis.setRange(new Date(day(first).getFirstMillisecond() - halfDay),
        new Date(day(last).getFirstMillisecond() + halfDay));
    return png(chart, TREND_WIDTH, TREND_HEIGHT);
  }

  private static Day day(LocalDate d) {
    return new Day(d.getDayOfMonth(), d.getMonthValue(), d.getYear());
  }

  public static StandardChartTheme theme() {
    StandardChartTheme theme = new StandardChartTheme("flywheel");
    theme.setExtraLargeFont(new Font(FONT, Font.BOLD, 17));
    theme.setLargeFont(new Font(FONT, Font.BOLD, 14));
    theme.setRegularFont(new Font(FONT, Font.PLAIN, 13));
    theme.setSmallFont(new Font(FONT, Font.PLAIN, 12));
    theme.setChartBackgroundPaint(Color.WHITE);
    theme.setPlotBackgroundPaint(Color.WHITE);
    theme.setPlotOutlinePaint(new Color(0xBB, 0xBB, 0xBB));
    theme.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
    theme.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
    theme.setBarPainter(new StandardBarPainter());
    theme.setXYBarPainter(new StandardXYBarPainter());
    theme.setShadowVisible(false);
    theme.setLegendBackgroundPaint(Color.WHITE);
    return theme;
  }

  public static byte[] png(JFreeChart chart, int width, int height) {
    chart.setBackgroundPaint(Color.WHITE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ChartUtils.writeChartAsPNG(out, chart, width, height);
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode the chart '" + chart.getTitle().getText() + "' as PNG", e);
    }
    return out.toByteArray();
  }

  static String clusterLabel(ClusterRow c) {
    return c.coverageGap() ? c.cluster() + " (gap)" : String.valueOf(c.cluster());
  }

  private static NumberFormat percent() {
    NumberFormat f = NumberFormat.getPercentInstance(Locale.ROOT);
    f.setMaximumFractionDigits(1);
    return f;
  }

  static long sum(long[] counts) {
    long s = 0;
    for (long c : counts) {
      s += c;
    }
    return s;
  }

  private static double share(long count, long total) {
    return total == 0 ? 0 : (double) count / total;
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
