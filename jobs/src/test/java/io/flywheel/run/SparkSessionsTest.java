package io.flywheel.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {
  @Test
  void redactionCoversTheWaysAProviderKeyReachesSparkConf() {
    Pattern p = Pattern.compile(SparkSessions.REDACTION_REGEX);
    for (String key : List.of("spark.executorEnv.OPENAI_API_KEY", "spark.executorEnv.ANTHROPIC_API_KEY",
        "spark.yarn.appMasterEnv.OPENAI_API_KEY", "spark.kubernetes.driverEnv.LLM_API-KEY", "fs.s3a.secret.key",
        "spark.hadoop.fs.s3a.access.key", "spark.some.auth.token")) {
      assertThat(p.matcher(key).find()).as(key).isTrue();
    }
    assertThat(p.matcher("spark.executor.memory").find()).isFalse();
  }
}
