package io.flywheel.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.run.CliArgs;
import io.flywheel.submit.SubmitCommand;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotebookCommandTest {
  @Test
  void installKernelWritesTheKernelspecWithTheFlagsTheClassAndAnAbsoluteWarehouse(@TempDir Path dir) throws Exception {
    Path target = dir.resolve("kernel");
    int code = NotebookCommand.run(CliArgs.parse(new String[] {"notebook", "install-kernel", "--dir", target.toString(),
        "--set", "warehouse.root=relative/warehouse"}));

    assertThat(code).isZero();
    JsonNode spec = new ObjectMapper().readTree(target.resolve("kernel.json").toFile());
    List<String> argv = new ArrayList<>();
    spec.get("argv").forEach(a -> argv.add(a.asText()));
    assertThat(argv.get(0)).endsWith("java");
    assertThat(argv).containsAll(SubmitCommand.JAVA_17_FLAGS);
    assertThat(argv).containsSubsequence("-cp", KernelSpec.MAIN_CLASS, "--set", "warehouse.root=relative/warehouse",
        "--set", "warehouse.root=" + Path.of("relative/warehouse").toAbsolutePath());
    assertThat(argv.get(argv.indexOf("-cp") + 1).split(File.pathSeparator))
        .allSatisfy(e -> assertThat(Path.of(e).isAbsolute()).isTrue());
    assertThat(argv.get(argv.size() - 1)).isEqualTo("{connection_file}");
  }

  @Test
  void aBadConfigFailsInstallKernelBeforeAnythingIsWritten(@TempDir Path dir) {
    assertThatThrownBy(() -> NotebookCommand.run(CliArgs.parse(new String[] {"notebook", "install-kernel", "--dir",
        dir.resolve("k").toString(), "--set", "no_such.key=1"}))).hasMessageContaining("no_such");
    assertThat(dir.resolve("k")).doesNotExist();
  }

  @Test
  void sparkDefaultsBecomeSystemPropertiesAsBinFlywheelPassesThem() {
    assertThat(NotebookCommand.sparkDefaults(List.of("# tuning", "", "spark.sql.shuffle.partitions   16",
        "spark.ui.enabled false"))).containsExactly("-Dspark.sql.shuffle.partitions=16", "-Dspark.ui.enabled=false");
  }

  @Test
  void theKernelClasspathHasOnlyAbsoluteEntries() {
    String cp = NotebookCommand.classpath("target/classes" + File.pathSeparator + "/abs/x.jar");

    assertThat(cp.split(File.pathSeparator)).allSatisfy(e -> assertThat(Path.of(e).isAbsolute()).isTrue())
        .contains("/abs/x.jar");
  }

  @Test
  void onlyLocalRelativeWarehouseRootsAreMadeAbsolute() {
    assertThat(NotebookCommand.isRelativeLocalPath("./warehouse")).isTrue();
    assertThat(NotebookCommand.isRelativeLocalPath("warehouse")).isTrue();
    assertThat(NotebookCommand.isRelativeLocalPath("/data/warehouse")).isFalse();
    assertThat(NotebookCommand.isRelativeLocalPath("s3a://bucket/prefix")).isFalse();
    assertThat(NotebookCommand.isRelativeLocalPath("file:///data/warehouse")).isFalse();
  }

  @Test
  void aFolderStandsForItsNotebooksInNameOrder(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("02_b.ipynb"), "{}");
    Files.writeString(dir.resolve("01_a.ipynb"), "{}");
    Files.writeString(dir.resolve("notes.md"), "");

    assertThat(NotebookCommand.notebooks(List.of(dir.toString())))
        .containsExactly(dir.resolve("01_a.ipynb"), dir.resolve("02_b.ipynb"));
    assertThatThrownBy(() -> NotebookCommand.notebooks(List.of(dir.resolve("notes.md").toString())))
        .hasMessageContaining("neither a .ipynb file nor a folder");
    assertThatThrownBy(() -> NotebookCommand.notebooks(List.of())).hasMessageContaining("needs a notebook");
  }
}
