package io.flywheel.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotebookCommandTest {
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
