package io.flywheel.skew.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.run.RunContext;
import io.flywheel.skew.DriftVerdict;
import io.flywheel.skew.NumericDrift;
import io.flywheel.skew.SkewFeatureRows;
import io.flywheel.skew.SkewInputs;
import io.flywheel.table.Rows;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.testing.TestSpark;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report data of a run date, read from hand-made skew tables of that date and the one before. */
class SkewReportLoaderIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);

  private static Row chars(SkewFeatureRows.RunSides run, double[] prod) {
    NumericDrift d = NumericDrift.compare("chars", new double[] {10, 20, 30, 40}, prod, 0, 0);
    DriftVerdict v = DriftVerdict.judge(SkewFeatureRows.distances(d), Set.of(), 0.1, Map.of(), 14, 3);
    return SkewFeatureRows.numeric(run, "input", "chars", d, 0.1, v);
  }

  @Test
  void theLoaderFillsSummaryFeaturesHistogramsClustersAndTrend(@TempDir Path dir) {
    RunContext ctx = TestSpark.context("skew", dir, DAY, false, List.of());
    for (Table t : List.of(Table.SKEW_FEATURES, Table.SKEW_CLUSTERS, Table.SKEW_EXAMPLES)) {
      ctx.warehouse().ensure(t);
    }
    TableWrites writes = new TableWrites(ctx.warehouse(), "skew", "test");
    SkewInputs.SideCounts dev = new SkewInputs.SideCounts(4, 1, 0);
    SkewInputs.SideCounts prod = new SkewInputs.SideCounts(4, 2, 0);
    SkewFeatureRows.RunSides before = new SkewFeatureRows.RunSides(DAY.minusDays(1), "r0", dev, prod);
    SkewFeatureRows.RunSides today = new SkewFeatureRows.RunSides(DAY, "r1", dev, prod);
    writes.replaceRunDate(SkewFeatureRows.frame(ctx.spark(), List.of(chars(before, new double[] {10, 20, 30, 40}),
        SkewFeatureRows.metric(before, SkewFeatureRows.RUN_FIELD, "drifted_share", 0.0, null))),
        Table.SKEW_FEATURES, before.runDate());
    writes.replaceRunDate(SkewFeatureRows.frame(ctx.spark(), List.of(chars(today, new double[] {100, 200, 300, 400}),
        SkewFeatureRows.metric(today, SkewFeatureRows.RUN_FIELD, "drifted_share", 1.0, null),
        SkewFeatureRows.metric(today, SkewFeatureRows.EMBEDDING_FIELD, "classifier_auc", 0.71, 0.55))),
        Table.SKEW_FEATURES, DAY);
    Date day = Date.valueOf(DAY);
    writes.replaceRunDate(ctx.spark().createDataFrame(List.of(
        RowFactory.create(day, "r1", 0, 2, "kmeans", 40L, 2L, 0.9, 0.05, -0.9, Rows.seq(List.of("kettle")), false, 0.4),
        RowFactory.create(day, "r1", 1, 2, "kmeans", 1L, 60L, 0.1, 0.95, 0.8, Rows.seq(List.of("brake", "pads")), true, 0.4)),
        Table.SKEW_CLUSTERS.schema()), Table.SKEW_CLUSTERS, DAY);
    List<Row> examples = new ArrayList<>();
    examples.add(RowFactory.create(day, "r1", 1, "dev", 1, "h-dev", "a dev text"));
    for (int rank = 1; rank <= 6; rank++) {
      examples.add(RowFactory.create(day, "r1", 1, "prod", rank, "h" + rank, "<script>prod " + rank + "</script>"));
    }
    writes.replaceRunDate(ctx.spark().createDataFrame(examples, Table.SKEW_EXAMPLES.schema()), Table.SKEW_EXAMPLES, DAY);

    SkewReportData data = SkewReportLoader.load(ctx.warehouse(), DAY, "r1", ctx.config().skew());

    assertThat(data.summary()).isEqualTo(new SkewReportData.Summary(4, 4, 1, 2, 1, 1, 0.71, 0.55, 1));
    assertThat(data.features()).hasSize(1);
    SkewReportData.FeatureRow f = data.features().get(0);
    assertThat(f.field()).isEqualTo("input");
    assertThat(f.breached()).isTrue();
    assertThat(f.alertReason()).startsWith("js ");
    assertThat(data.histograms()).hasSize(1);
    SkewReportData.Histogram h = data.histograms().get(0);
    assertThat(h.title()).isEqualTo("input length (characters)");
    // 8 values: Sturges gives 4 bins over [10, 400].
    assertThat(h.binEdges()).containsExactly(10, 107.5, 205, 302.5, 400);
    assertThat(h.devCounts()).containsExactly(4, 0, 0, 0);
    assertThat(h.prodCounts()).containsExactly(1, 1, 1, 1);
    assertThat(data.clusters()).extracting(SkewReportData.ClusterRow::cluster).containsExactly(0, 1);
    SkewReportData.ClusterRow gap = data.clusters().get(1);
    assertThat(gap.coverageGap()).isTrue();
    assertThat(gap.topTerms()).containsExactly("brake", "pads");
    assertThat(gap.examples()).as("prod first, at most 5").containsExactly("<script>prod 1</script>",
        "<script>prod 2</script>", "<script>prod 3</script>", "<script>prod 4</script>", "<script>prod 5</script>");
    assertThat(data.clusters().get(0).examples()).isEmpty();
    assertThat(data.trend()).containsExactlyInAnyOrder(
        new SkewReportData.TrendPoint(DAY.minusDays(1), "drifted share", 0.0),
        new SkewReportData.TrendPoint(DAY, "drifted share", 1.0),
        new SkewReportData.TrendPoint(DAY, "embedding classifier AUC", 0.71),
        new SkewReportData.TrendPoint(DAY.minusDays(1), "input chars js", 0.0),
        new SkewReportData.TrendPoint(DAY, "input chars js", data.features().get(0).js()));
  }
}
