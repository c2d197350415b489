package io.flywheel.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSpecTest {
  @Test
  void kernelJsonStartsTheKernelClassWithItsArgumentsAndTheConnectionFileLast(@TempDir Path dir) throws Exception {
    KernelSpec spec = KernelSpec.of("/opt/java/bin/java", List.of("-Xmx4g", "--add-opens=java.base/java.lang=ALL-UNNAMED"),
        "/a.jar:/b.jar", List.of("--conf", "/repo/conf/local.yaml"), Map.of("SPARK_LOCAL_IP", "127.0.0.1"));

    Path file = spec.write(dir.resolve("kernels").resolve("flywheel"));
    JsonNode json = new ObjectMapper().readTree(Files.readString(file));

    List<String> argv = new ArrayList<>();
    json.get("argv").forEach(a -> argv.add(a.asText()));
    assertThat(argv).containsExactly("/opt/java/bin/java", "-Xmx4g", "--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp",
        "/a.jar:/b.jar", "io.flywheel.notebook.FlywheelKernel", "--conf", "/repo/conf/local.yaml", "{connection_file}");
    assertThat(json.get("display_name").asText()).isEqualTo("Flywheel (Spark SQL)");
    assertThat(json.get("language").asText()).isEqualTo("sql");
    assertThat(json.get("env").get("SPARK_LOCAL_IP").asText()).isEqualTo("127.0.0.1");
  }

  @Test
  void theUserDataFolderIsWhereJupyterLooks() {
    Path home = Path.of("/home/ana");

    assertThat(KernelSpec.userDataDir(Map.of(), "Linux", home)).isEqualTo(Path.of("/home/ana/.local/share/jupyter"));
    assertThat(KernelSpec.userDataDir(Map.of("XDG_DATA_HOME", "/x"), "Linux", home)).isEqualTo(Path.of("/x/jupyter"));
    assertThat(KernelSpec.userDataDir(Map.of(), "Mac OS X", home)).isEqualTo(Path.of("/home/ana/Library/Jupyter"));
    assertThat(KernelSpec.userDataDir(Map.of("JUPYTER_DATA_DIR", "/j"), "Mac OS X", home)).isEqualTo(Path.of("/j"));
    assertThat(KernelSpec.prefixKernelDir(Path.of("/usr/local"), "flywheel"))
        .isEqualTo(Path.of("/usr/local/share/jupyter/kernels/flywheel"));
  }
}
