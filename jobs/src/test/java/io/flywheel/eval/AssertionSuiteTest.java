package io.flywheel.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.config.ConfigException;
import io.flywheel.llm.ResponseSchema;
import io.flywheel.summarize.SummaryCalls;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** Suites from YAML as a user writes them, and the errors a mistake gets (key and file named). */
class AssertionSuiteTest {
  private static final Map<String, ResponseSchema> SCHEMAS = Map.of("catalog_summary", SummaryCalls.SCHEMA);

  private static AssertionSuite parse(String yaml) {
    return AssertionSuite.parse("basics", new Yaml().load(yaml), SCHEMAS, "conf/eval.yaml");
  }

  @Test
  void aSuiteRunsEveryCriterionInOrder() {
    AssertionSuite s = parse("""
        criteria:
          - {name: valid, type: json_schema, schema: catalog_summary}
          - {type: word_count, min: 3, max: 40}
          - {name: no_hype, type: must_not_include, phrases: [best ever], patterns: ['(?i)guarantee']}
          - {type: grounded}
          - {type: no_pii}
        """);
    assertThat(s.criteria()).extracting(Criterion::name)
        .containsExactly("valid", "word_count", "no_hype", "grounded", "no_pii");
    List<Criterion.Verdict> v = s.check("{\"summary\": \"Best ever kettle, 3 litres\", \"key_features\": []}",
        "A kettle of 1.7 litres");
    assertThat(v).extracting(Criterion.Verdict::passed).containsExactly(true, true, false, false, true);
  }

  @Test
  void mistakesNameTheKeyAndTheFile() {
    assertThatThrownBy(() -> parse("criteria: []"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("eval.suites.basics.criteria: must be a non-empty list of criteria (in conf/eval.yaml)");
    assertThatThrownBy(() -> parse("criteria: [{type: word_cuont, min: 1}]"))
        .hasMessageStartingWith("eval.suites.basics.criteria[0].type: 'word_cuont' is not a criterion type; one of char_count,");
    assertThatThrownBy(() -> parse("criteria: [{type: word_count, min: 5, max: 2}]"))
        .hasMessage("eval.suites.basics.criteria[0].min: is 5, more than max 2 (in conf/eval.yaml)");
    assertThatThrownBy(() -> parse("criteria: [{type: word_count, mni: 5}]"))
        .hasMessageStartingWith("eval.suites.basics.criteria[0].mni: is not a setting of a word_count criterion");
    assertThatThrownBy(() -> parse("criteria: [{type: must_include, patterns: ['(unclosed']}]"))
        .hasMessageStartingWith("eval.suites.basics.criteria[0].patterns: '(unclosed' is not a regular expression");
    assertThatThrownBy(() -> parse("criteria: [{type: json_schema, schema: nope}]"))
        .hasMessage("eval.suites.basics.criteria[0].schema: 'nope' is not a known response schema; one of catalog_summary (in conf/eval.yaml)");
    assertThatThrownBy(() -> parse("criteria: [{type: no_pii}, {type: no_pii}]"))
        .hasMessage("eval.suites.basics.criteria[1].name: 'no_pii' is used twice in the suite (in conf/eval.yaml)");
    assertThatThrownBy(() -> parse("criteria: [{type: language, code: english}]"))
        .hasMessageStartingWith("eval.suites.basics.criteria[0].code: must be an ISO 639-1 code");
  }

  @Test
  void theNamesEvalAssertUsesForItsOwnRowsAreRefused() {
    assertThatThrownBy(() -> parse("criteria: [{name: has_output, type: no_pii}]"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("eval.suites.basics.criteria[0].name");
    assertThatThrownBy(() -> parse("criteria: [{type: no_pii}, {name: all_criteria, type: word_count, min: 1}]"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("eval.suites.basics.criteria[1].name");
  }

  @Test
  void aRowWithoutAnOutputGetsOnlyTheHasOutputVerdictAndLongDetailsAreCut() {
    AssertionSuite s = parse("criteria: [{type: no_pii}, {name: no_x, type: must_not_include, phrases: ['" + "x".repeat(600) + "']}]");
    List<org.apache.spark.sql.Row> none = AssertionRows.verdicts(s, 7, "k", "in", "  ");
    assertThat(none).hasSize(1);
    assertThat(none.get(0).getString(2)).isEqualTo(AssertionRows.HAS_OUTPUT);
    assertThat(none.get(0).getBoolean(3)).isFalse();

    List<org.apache.spark.sql.Row> rows = AssertionRows.verdicts(s, 8, "k", "in", "mail a@b.co " + "x".repeat(2000));
    assertThat(rows).extracting(r -> r.getString(2)).containsExactly(AssertionRows.HAS_OUTPUT, "no_pii", "no_x");
    assertThat(rows).extracting(r -> r.getBoolean(3)).containsExactly(true, false, false);
    assertThat(rows.get(2).getString(4)).hasSize(AssertionRows.MAX_DETAIL + 3).endsWith("...");
    assertThat(rows).extracting(r -> r.getLong(0)).containsOnly(8L);
  }
}
