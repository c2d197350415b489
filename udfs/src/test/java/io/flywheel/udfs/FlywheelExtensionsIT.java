package io.flywheel.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A session configured only with {@code spark.sql.extensions=io.flywheel.udfs.FlywheelExtensions}
 * has every function, with its DESCRIBE FUNCTION entry, and each documented example gives its
 * documented result; {@link FlywheelFunctions#register} gives a session without them the same.
 */
class FlywheelExtensionsIT {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder()
        .master("local[1]")
        .appName("flywheel-udfs-it")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.extensions", FlywheelExtensions.class.getName())
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void everyExampleGivesItsDocumentedResult() {
    List<String> wrong = new ArrayList<>();
    for (SqlFunction f : FlywheelFunctions.all()) {
      Row r = spark.sql("SELECT CAST(" + f.exampleSql() + " AS STRING) AS v").first();
      String got = r.isNullAt(0) ? "NULL" : r.getString(0);
      if (!got.equals(f.exampleResult())) {
        wrong.add(f.name() + ": documented '" + f.exampleResult() + "', got '" + got + "'");
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void describeFunctionExtendedShowsUsageArgumentExampleAndSince() {
    String text = describe("flywheel_redact_pii");
    assertThat(text)
        .contains("Function: flywheel_redact_pii")
        .contains("Class: io.flywheel.udfs.PiiRedactor")
        .contains("Usage: flywheel_redact_pii(text) - The text with e-mail addresses")
        .contains("Returns STRING.")
        .contains("* text - the text (STRING)")
        .contains("> SELECT flywheel_redact_pii('Mail ann@example.com or call +1 415 555 0100');")
        .contains("Mail [EMAIL] or call [PHONE]")
        .contains("Since: 0.1.0")
        .doesNotContain("Deprecated");
  }

  @Test
  void deprecatedAliasSaysWhatReplacesIt() {
    assertThat(describe("fw_redact_pii"))
        .contains("Deprecated alias of flywheel_redact_pii")
        .contains("Deprecated since 0.1.0, removed in 0.2.0: use flywheel_redact_pii.");
    Row r = spark.sql("SELECT fw_redact_pii('x ann@example.com') AS old, flywheel_redact_pii('x ann@example.com') AS new").first();
    assertThat(r.<String>getAs("old")).isEqualTo("x [EMAIL]").isEqualTo(r.<String>getAs("new"));
  }

  @Test
  void wrongNumberOfArgumentsIsSparksOwnError() {
    assertThatThrownBy(() -> spark.sql("SELECT flywheel_normalize('a', 'b')").collect())
        .hasMessageContaining("WRONG_NUM_ARGS")
        .hasMessageContaining("flywheel_normalize");
  }

  @Test
  void columnNamesCarryTheFunctionName() {
    assertThat(spark.sql("SELECT flywheel_char_count('abc')").columns()).containsExactly("flywheel_char_count(abc)");
  }

  @Test
  void registerGivesASessionWithoutThemTheSameFunctions() {
    SparkSession other = spark.newSession();
    FunctionRegistry registry = ((org.apache.spark.sql.classic.SparkSession) other).sessionState().functionRegistry();
    for (SqlFunction f : FlywheelFunctions.all()) {
      registry.dropFunction(f.identifier());
    }
    assertThatThrownBy(() -> other.sql("SELECT flywheel_normalize('a')").collect())
        .hasMessageContaining("flywheel_normalize");

    FlywheelFunctions.register(other);
    FlywheelFunctions.register(other);

    assertThat(other.sql("SELECT flywheel_normalize('  a  b ') AS v").first().<String>getAs("v")).isEqualTo("a b");
    assertThat(describe(other, "flywheel_detect_language")).contains("Usage: flywheel_detect_language(text) - ISO 639-1");
  }

  private static String describe(String name) {
    return describe(spark, name);
  }

  private static String describe(SparkSession s, String name) {
    List<String> lines = new ArrayList<>();
    for (Row r : s.sql("DESCRIBE FUNCTION EXTENDED " + name).collectAsList()) {
      lines.add(r.getString(0));
    }
    return String.join("\n", lines);
  }
}
