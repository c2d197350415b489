package io.flywheel.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.sql.Date;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class NotebookChartsTest {
  private static final List<String> COLUMNS = List.of("run_date", "job", "hit_rate", "calls");
  private static final List<List<Object>> ROWS = List.of(
      Arrays.asList(Date.valueOf("2026-11-20"), "summarize", 0.0, 40L),
      Arrays.asList(Date.valueOf("2026-11-21"), "summarize", 0.8, 8L),
      Arrays.asList(Date.valueOf("2026-11-21"), "recommend", null, 20L));

  private static BufferedImage image(byte[] png) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(png));
  }

  @Test
  void everyKindDrawsAPngOfTheChartSize() throws Exception {
    for (String line : List.of("%chart line x=run_date y=hit_rate series=job", "%chart bar x=job y=calls",
        "%chart stacked x=run_date y=calls series=job", "%chart line x=job y=calls,hit_rate", "%chart line x=calls y=hit_rate")) {
      BufferedImage img = image(NotebookCharts.png(ChartSpec.parse(line), COLUMNS, ROWS));

      assertThat(img.getWidth()).as(line).isEqualTo(NotebookCharts.WIDTH);
      assertThat(img.getHeight()).as(line).isEqualTo(NotebookCharts.HEIGHT);
    }
  }

  @Test
  void aChartIsNotBlank() throws Exception {
    BufferedImage img = image(NotebookCharts.png(ChartSpec.parse("%chart bar x=job y=calls"), COLUMNS, ROWS));
    long colours = java.util.stream.IntStream.range(0, img.getWidth() * img.getHeight())
        .map(i -> img.getRGB(i % img.getWidth(), i / img.getWidth())).distinct().count();

    assertThat(colours).isGreaterThan(10);
  }

  @Test
  void columnsMustExistAndYMustBeNumeric() {
    assertThatThrownBy(() -> NotebookCharts.png(ChartSpec.parse("%chart bar x=day y=calls"), COLUMNS, ROWS))
        .hasMessageContaining("x=day is not a column of the result").hasMessageContaining("run_date, job, hit_rate, calls");
    assertThatThrownBy(() -> NotebookCharts.png(ChartSpec.parse("%chart bar x=run_date y=job"), COLUMNS, ROWS))
        .hasMessageContaining("y column 'job' must be numeric").hasMessageContaining("row 1");
    assertThatThrownBy(() -> NotebookCharts.png(ChartSpec.parse("%chart bar x=job y=hit_rate"), COLUMNS,
        List.of(Arrays.asList(Date.valueOf("2026-11-20"), "a", null, 1L))))
        .hasMessageContaining("nothing to draw");
  }

  @Test
  void datesAreUtcDaysAndCategoryLabelsIsoDates() {
    assertThat(NotebookCharts.time(Date.valueOf("2026-11-21")).getFirstMillisecond())
        .isEqualTo(java.time.Instant.parse("2026-11-21T00:00:00Z").toEpochMilli());
    assertThat(NotebookCharts.label(Date.valueOf("2026-11-21"))).isEqualTo("2026-11-21");
    assertThat(NotebookCharts.time("2026-11-21")).isNull();
  }
}
