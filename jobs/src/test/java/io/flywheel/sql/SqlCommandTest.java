package io.flywheel.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/** How {@code flywheel sql} names and prints what a query returns. */
class SqlCommandTest {
  @Test
  void unaliasedExpressionsLoseTheCastsSparkWritesIntoTheirNames() {
    assertThat(SqlCommand.readableName("avg(CAST(latency_ms AS DOUBLE))")).isEqualTo("avg(latency_ms)");
    assertThat(SqlCommand.readableName("sum(CAST(CAST(x AS INT) AS BIGINT))")).isEqualTo("sum(x)");
    assertThat(SqlCommand.readableName("count(1)")).isEqualTo("count(1)");
  }

  @Test
  void valuesPrintAsPeopleWriteThem() {
    assertThat(SqlCommand.format(null)).isEqualTo("NULL");
    assertThat(SqlCommand.format(CollectionConverters.asScala(List.of("a", "b")).toList())).isEqualTo("[a, b]");
    assertThat(SqlCommand.format(CollectionConverters.asScala(Map.of("calls", 3L)))).isEqualTo("{calls: 3}");
    assertThat(SqlCommand.format("two\tlines\nhere")).isEqualTo("two lines here");
  }
}
