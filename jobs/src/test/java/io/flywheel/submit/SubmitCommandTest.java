package io.flywheel.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit lines {@link SubmitCommand} makes for each kind of master, without Spark. */
class SubmitCommandTest {
  private static final List<String> JOB = List.of("summarize", "--conf", "/etc/flywheel/prod.yaml", "--run-date", "2026-11-28");

  private static List<String> line(Map<String, String> env, String... options) {
    List<String> args = new java.util.ArrayList<>(List.of(options));
    args.addAll(JOB);
    return SubmitCommand.arguments(SubmitCommand.parse(args, env, "/opt/flywheel/flywheel-jobs.jar"));
  }

  private static String conf(List<String> args, String key) {
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("--conf") && args.get(i + 1).startsWith(key + "=")) {
        return args.get(i + 1).substring(key.length() + 1);
      }
    }
    return null;
  }

  @Test
  void standaloneIsClientModeWithDeltaFlywheelExtensionsAndJava17FlagsThenTheJarAndTheJob() {
    List<String> args = line(Map.of("FLYWHEEL_MASTER", "spark://10.0.0.5:7077"));
    assertThat(args.subList(0, 8)).containsExactly("--master", "spark://10.0.0.5:7077", "--deploy-mode", "client",
        "--name", "flywheel-summarize-2026-11-28", "--class", "io.flywheel.Main");
    assertThat(conf(args, "spark.sql.extensions")).isEqualTo("io.delta.sql.DeltaSparkSessionExtension,io.flywheel.udfs.FlywheelExtensions");
    assertThat(conf(args, "spark.sql.catalog.spark_catalog")).isEqualTo("org.apache.spark.sql.delta.catalog.DeltaCatalog");
    assertThat(conf(args, "spark.driver.extraJavaOptions")).contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")
        .isEqualTo(conf(args, "spark.executor.extraJavaOptions"));
    assertThat(args.subList(args.indexOf("/opt/flywheel/flywheel-jobs.jar"), args.size()))
        .containsExactly("/opt/flywheel/flywheel-jobs.jar", "summarize", "--conf", "/etc/flywheel/prod.yaml", "--run-date", "2026-11-28");
    assertThat(args).doesNotContain("--files");
  }

  @Test
  void yarnRunsTheDriverInTheClusterAndShipsTheConfigFile() {
    List<String> args = line(Map.of(), "--master", "yarn");
    assertThat(args.subList(0, 4)).containsExactly("--master", "yarn", "--deploy-mode", "cluster");
    assertThat(args.get(args.indexOf("--files") + 1)).isEqualTo("/etc/flywheel/prod.yaml");
    assertThat(args.subList(args.size() - 5, args.size())).containsExactly("summarize", "--conf", "prod.yaml", "--run-date", "2026-11-28");
  }

  @Test
  void kubernetesNeedsAnImageAndSetsNamespaceAndServiceAccount() {
    assertThatThrownBy(() -> line(Map.of("FLYWHEEL_MASTER", "k8s://https://k8s.example:443")))
        .hasMessageContaining("FLYWHEEL_K8S_IMAGE");
    List<String> args = line(Map.of("FLYWHEEL_MASTER", "k8s://https://k8s.example:443", "FLYWHEEL_K8S_IMAGE", "registry/flywheel:0.1",
        "FLYWHEEL_K8S_NAMESPACE", "data", "FLYWHEEL_K8S_SERVICE_ACCOUNT", "spark", "FLYWHEEL_JAR", "local:///opt/flywheel/flywheel-jobs.jar"));
    assertThat(args.subList(0, 4)).containsExactly("--master", "k8s://https://k8s.example:443", "--deploy-mode", "cluster");
    assertThat(conf(args, "spark.kubernetes.container.image")).isEqualTo("registry/flywheel:0.1");
    assertThat(conf(args, "spark.kubernetes.namespace")).isEqualTo("data");
    assertThat(conf(args, "spark.kubernetes.authenticate.driver.serviceAccountName")).isEqualTo("spark");
    assertThat(args).contains("local:///opt/flywheel/flywheel-jobs.jar").doesNotContain("--files");
  }

  @Test
  void theMasterComesFromTheOptionTheEnvironmentOrThePropertiesFile(@TempDir Path dir) throws Exception {
    Path props = dir.resolve("submit.conf");
    Files.writeString(props, "# cluster\nspark.master   spark://props:7077\nspark.executor.memory 4g\n");
    assertThat(line(Map.of("FLYWHEEL_SPARK_PROPERTIES", props.toString())).subList(0, 2)).containsExactly("--master", "spark://props:7077");
    assertThat(line(Map.of("FLYWHEEL_MASTER", "yarn"), "--properties-file", props.toString()).subList(0, 2))
        .containsExactly("--master", "yarn");
    assertThat(line(Map.of("FLYWHEEL_MASTER", "yarn"), "--master", "spark://opt:7077", "--properties-file", props.toString()))
        .containsSubsequence("--master", "spark://opt:7077", "--properties-file", props.toString());
    assertThatThrownBy(() -> line(Map.of())).hasMessageContaining("FLYWHEEL_MASTER");
    assertThatThrownBy(() -> line(Map.of("FLYWHEEL_MASTER", "mesos://old:5050"))).hasMessageContaining("mesos://old:5050");
    assertThatThrownBy(() -> line(Map.of(), "--properties-file", dir.resolve("missing.conf").toString()))
        .hasMessageContaining("missing.conf");
  }

  @Test
  void theRenderedLineQuotesWhatTheShellWouldSplitOrExpand() {
    assertThat(SubmitCommand.quote("spark://h:7077")).isEqualTo("spark://h:7077");
    assertThat(SubmitCommand.quote("local[*]")).isEqualTo("'local[*]'");
    assertThat(SubmitCommand.quote("it's $HOME")).isEqualTo("'it'\"'\"'s $HOME'");
    assertThat(SubmitCommand.quote("")).isEqualTo("''");
    String rendered = SubmitCommand.render(line(Map.of("FLYWHEEL_MASTER", "spark://h:7077")));
    assertThat(rendered).startsWith("spark-submit \\\n  --master spark://h:7077 \\\n  --deploy-mode client \\\n")
        .contains("  --conf 'spark.driver.extraJavaOptions=--add-opens=java.base/java.lang=ALL-UNNAMED ")
        .endsWith("  /opt/flywheel/flywheel-jobs.jar summarize --conf /etc/flywheel/prod.yaml --run-date 2026-11-28\n");
  }

  @Test
  void theAirflowTasksCarryTheSameExtensionsCatalogAndJavaFlags() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    Path tasks = (Files.isDirectory(root.resolve("airflow-dags")) ? root : root.getParent()).resolve("airflow-dags/flywheel_tasks.py");
    String py = Files.readString(tasks);
    assertThat(py).contains("\"" + SubmitCommand.EXTENSIONS + "\"", "\"" + SubmitCommand.CATALOG + "\"",
        "\"spark.driver.extraJavaOptions\": JAVA_17_FLAGS", "\"spark.executor.extraJavaOptions\": JAVA_17_FLAGS");
    for (String flag : SubmitCommand.JAVA_17_FLAGS) {
      assertThat(py).as("flywheel_tasks.py JAVA_17_FLAGS").contains("\"" + flag + "\"");
    }
  }
}
