package io.flywheel.testing;

import static io.flywheel.testing.TestSpark.rows;
import static io.flywheel.testing.TestSpark.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link TestSpark#sql} and {@link TestSpark#rows} give each Spark type as the plain value they document. */
class TestSparkIT {
  @Test
  void everyColumnComesBackByNameAsAPlainJavaValue() {
    List<Map<String, Object>> rows = sql("SELECT 'a' AS s, 1 AS i, CAST(2 AS BIGINT) AS l, 0.5D AS d, true AS b,"
        + " CAST(NULL AS STRING) AS n, array('x', 'y') AS arr, map('k', CAST(3 AS BIGINT)) AS m,"
        + " named_struct('f', 1, 'g', array(named_struct('h', 'z'))) AS st, DATE'2026-11-28' AS dt,"
        + " TIMESTAMP'2026-11-28 10:00:00 UTC' AS ts, X'CAFE' AS bin");

    assertThat(rows).hasSize(1);
    Map<String, Object> r = rows.get(0);
    assertThat(r.keySet()).containsExactly("s", "i", "l", "d", "b", "n", "arr", "m", "st", "dt", "ts", "bin");
    assertThat(r.get("s")).isEqualTo("a");
    assertThat(r.get("i")).isEqualTo(1);
    assertThat(r.get("l")).isEqualTo(2L);
    assertThat(r.get("d")).isEqualTo(0.5);
    assertThat(r.get("b")).isEqualTo(true);
    assertThat(r).containsEntry("n", null);
    assertThat(r.get("arr")).isEqualTo(List.of("x", "y"));
    assertThat(r.get("m")).isEqualTo(Map.of("k", 3L));
    assertThat(r.get("st")).isEqualTo(Map.of("f", 1, "g", List.of(Map.of("h", "z"))));
    assertThat(r.get("dt")).isEqualTo(LocalDate.of(2026, 11, 28));
    assertThat(r.get("ts")).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
    assertThat(Arrays.equals((byte[]) r.get("bin"), new byte[] {(byte) 0xCA, (byte) 0xFE})).isTrue();
  }

  @Test
  void rowsKeepTheFramesOrderAndRefuseAmbiguousNames() {
    assertThat(rows(TestSpark.session().range(3).toDF().orderBy(org.apache.spark.sql.functions.col("id").desc())))
        .containsExactly(Map.of("id", 2L), Map.of("id", 1L), Map.of("id", 0L));
    assertThatThrownBy(() -> sql("SELECT 1 AS a, 2 AS a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a'");
  }
}
