package io.flywheel.notebook;

import io.flywheel.skew.report.SkewCharts;
import java.awt.BasicStroke;
import java.awt.Color;
import java.text.SimpleDateFormat;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.DateTickUnit;
import org.jfree.chart.axis.DateTickUnitType;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.time.Day;
import org.jfree.data.time.Millisecond;
import org.jfree.data.time.RegularTimePeriod;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a cell's result as its {@code %chart} line asks (docs/notebooks.md#charts), with the skew
 * report's theme and PNG encoding ({@link SkewCharts}): lines over dates, numbers or categories;
 * grouped or stacked bars per category.
 */
public final class NotebookCharts {
  static {
    SkewCharts.preferHeadless();
  }

  static final int WIDTH = 960;
  static final int HEIGHT = 420;
  private static final double DAY_MS = 24 * 60 * 60 * 1000.0;
  /** Series colours: the Tableau/matplotlib 10, in their order (colour-blind friendly in the first few). */
  private static final Color[] PALETTE = {
    new Color(0x1F, 0x77, 0xB4), new Color(0xFF, 0x7F, 0x0E), new Color(0x2C, 0xA0, 0x2C), new Color(0xD6, 0x27, 0x28),
    new Color(0x94, 0x67, 0xBD), new Color(0x8C, 0x56, 0x4B), new Color(0xE3, 0x77, 0xC2), new Color(0x7F, 0x7F, 0x7F),
    new Color(0xBC, 0xBD, 0x22), new Color(0x17, 0xBE, 0xCF)
  };

  private NotebookCharts() {}

  /** The chart of {@code rows} (values as Spark returns them, in {@code columns}' order) as PNG bytes. */
  public static byte[] png(ChartSpec spec, List<String> columns, List<List<Object>> rows) {
    int x = index(columns, spec.x(), "x");
    List<Integer> ys = new ArrayList<>();
    for (String y : spec.y()) {
      ys.add(index(columns, y, "y"));
    }
    Integer series = spec.series() == null ? null : index(columns, spec.series(), "series");
    Map<String, List<Object[]>> points = points(spec, columns, rows, x, ys, series);
    JFreeChart chart = switch (spec.kind()) {
      case LINE -> line(spec, points, rows, x);
      case BAR, STACKED -> bars(spec, points);
    };
    return SkewCharts.png(chart, WIDTH, HEIGHT);
  }

  /** The (x, y) points of each series, in row order; rows whose y is null are left out. */
  private static Map<String, List<Object[]>> points(ChartSpec spec, List<String> columns, List<List<Object>> rows, int x,
      List<Integer> ys, Integer series) {
    Map<String, List<Object[]>> out = new LinkedHashMap<>();
    for (int r = 0; r < rows.size(); r++) {
      List<Object> row = rows.get(r);
      for (int y : ys) {
        Object v = row.get(y);
        if (v == null) {
          continue;
        }
        if (!(v instanceof Number n)) {
          throw new IllegalArgumentException("%chart y column '" + columns.get(y) + "' must be numeric, but row " + (r + 1)
              + " holds '" + v + "' (" + v.getClass().getSimpleName() + ")");
        }
        String key = series != null ? String.valueOf(row.get(series)) : columns.get(y);
        out.computeIfAbsent(key, k -> new ArrayList<>()).add(new Object[] {row.get(x), n.doubleValue()});
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("%chart has nothing to draw: every value of " + String.join(", ", spec.y())
          + " is null in the " + rows.size() + " rows");
    }
    return out;
  }

  private static JFreeChart line(ChartSpec spec, Map<String, List<Object[]>> points, List<List<Object>> rows, int x) {
    String yLabel = spec.series() == null && spec.y().size() == 1 ? spec.y().get(0) : "value";
    boolean allTimes = rows.stream().map(r -> r.get(x)).allMatch(v -> v == null || time(v) != null);
    boolean allNumbers = rows.stream().map(r -> r.get(x)).allMatch(v -> v == null || v instanceof Number);
    JFreeChart chart;
    if (allTimes) {
      TimeSeriesCollection data = new TimeSeriesCollection(TimeZone.getTimeZone("UTC"));
      points.forEach((name, ps) -> {
        TimeSeries s = new TimeSeries(name);
        for (Object[] p : ps) {
          if (p[0] != null) {
            s.addOrUpdate(time(p[0]), (Double) p[1]);
          }
        }
        data.addSeries(s);
      });
      chart = ChartFactory.createTimeSeriesChart(spec.displayTitle(), spec.x(), yLabel, data);
    } else if (allNumbers) {
      XYSeriesCollection data = new XYSeriesCollection();
      points.forEach((name, ps) -> {
        XYSeries s = new XYSeries(name, true, true);
        for (Object[] p : ps) {
          if (p[0] != null) {
            s.addOrUpdate(((Number) p[0]).doubleValue(), ((Double) p[1]).doubleValue());
          }
        }
        data.addSeries(s);
      });
      chart = ChartFactory.createXYLineChart(spec.displayTitle(), spec.x(), yLabel, data);
    } else {
      chart = ChartFactory.createLineChart(spec.displayTitle(), spec.x(), yLabel, categories(points));
    }
    SkewCharts.theme().apply(chart);
    if (chart.getPlot() instanceof XYPlot plot) {
      XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
      for (int i = 0; i < points.size(); i++) {
        renderer.setSeriesStroke(i, new BasicStroke(2.2f));
        renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      }
      plot.setRenderer(renderer);
      if (plot.getDomainAxis() instanceof DateAxis axis) {
        axis.setTimeZone(TimeZone.getTimeZone("UTC"));
        if (axis.getRange().getLength() < DAY_MS) {
          // One date only: a day either side, so the point sits mid-chart under a readable tick.
          double mid = axis.getRange().getCentralValue();
          axis.setRange(mid - DAY_MS, mid + DAY_MS);
        }
        boolean datesOnly = rows.stream().map(r -> r.get(x)).allMatch(v -> v == null || v instanceof java.sql.Date
            || v instanceof LocalDate);
        if (datesOnly) {
          // Ticks on whole days (at most about 10 labels), as the skew report's trend charts.
          SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd", Locale.ROOT);
          format.setTimeZone(TimeZone.getTimeZone("UTC"));
          int days = (int) Math.round(axis.getRange().getLength() / DAY_MS);
          axis.setTickUnit(new DateTickUnit(DateTickUnitType.DAY, Math.max(1, (days + 9) / 10), format));
        }
      }
    } else {
      CategoryPlot plot = chart.getCategoryPlot();
      LineAndShapeRenderer renderer = (LineAndShapeRenderer) plot.getRenderer();
      renderer.setDefaultShapesVisible(true);
      for (int i = 0; i < points.size(); i++) {
        renderer.setSeriesStroke(i, new BasicStroke(2.2f));
        renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      }
      tiltLabels(plot.getDomainAxis(), plot.getCategories().size());
    }
    return chart;
  }

  private static JFreeChart bars(ChartSpec spec, Map<String, List<Object[]>> points) {
    String yLabel = spec.series() == null && spec.y().size() == 1 ? spec.y().get(0) : "value";
    DefaultCategoryDataset data = categories(points);
    JFreeChart chart = spec.kind() == ChartSpec.Kind.STACKED
        ? ChartFactory.createStackedBarChart(spec.displayTitle(), spec.x(), yLabel, data)
        : ChartFactory.createBarChart(spec.displayTitle(), spec.x(), yLabel, data);
    SkewCharts.theme().apply(chart);
    BarRenderer renderer = (BarRenderer) chart.getCategoryPlot().getRenderer();
    // A single category would otherwise be one bar as wide as the chart.
    renderer.setMaximumBarWidth(0.12);
    for (int i = 0; i < points.size(); i++) {
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
    }
    tiltLabels(chart.getCategoryPlot().getDomainAxis(), data.getColumnCount());
    return chart;
  }

  private static DefaultCategoryDataset categories(Map<String, List<Object[]>> points) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    points.forEach((name, ps) -> {
      for (Object[] p : ps) {
        String category = label(p[0]);
        Number before = data.getRowKeys().contains(name) && data.getColumnKeys().contains(category)
            ? data.getValue(name, category) : null;
        // Two rows of one series and category add up, as a stacked or grouped bar reads.
        data.setValue((before == null ? 0 : before.doubleValue()) + (Double) p[1], name, category);
      }
    });
    return data;
  }

  private static void tiltLabels(CategoryAxis axis, int categories) {
    if (categories > 8) {
      axis.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }
  }

  /** A category label: dates as ISO dates, everything else as text. */
  static String label(Object v) {
    if (v == null) {
      return "(null)";
    }
    if (v instanceof java.sql.Date d) {
      return d.toLocalDate().toString();
    }
    return String.valueOf(v);
  }

  /** A date or time value as a JFreeChart period (UTC), or null when {@code v} is neither. */
  static RegularTimePeriod time(Object v) {
    if (v instanceof java.sql.Date d) {
      return day(d.toLocalDate());
    }
    if (v instanceof LocalDate d) {
      return day(d);
    }
    if (v instanceof java.sql.Timestamp t) {
      return new Millisecond(java.util.Date.from(t.toInstant()), TimeZone.getTimeZone("UTC"), Locale.ROOT);
    }
    if (v instanceof Instant i) {
      return new Millisecond(java.util.Date.from(i), TimeZone.getTimeZone("UTC"), Locale.ROOT);
    }
    if (v instanceof LocalDateTime t) {
      return new Millisecond(java.util.Date.from(t.toInstant(ZoneOffset.UTC)), TimeZone.getTimeZone("UTC"), Locale.ROOT);
    }
    return null;
  }

  private static Day day(LocalDate d) {
    return new Day(java.util.Date.from(d.atStartOfDay(ZoneOffset.UTC).toInstant()), TimeZone.getTimeZone("UTC"), Locale.ROOT);
  }

  private static int index(List<String> columns, String name, String key) {
    int i = columns.indexOf(name);
    if (i < 0) {
      for (int j = 0; j < columns.size(); j++) {
        if (columns.get(j).equalsIgnoreCase(name)) {
          return j;
        }
      }
      throw new IllegalArgumentException("%chart " + key + "=" + name + " is not a column of the result (columns: "
          + String.join(", ", columns) + ")");
    }
    return i;
  }
}
