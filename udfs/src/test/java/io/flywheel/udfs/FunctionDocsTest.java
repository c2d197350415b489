package io.flywheel.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/functions.md lists exactly the registered functions, as FlywheelFunctions describes them. */
class FunctionDocsTest {
  private static final Path DOC = Path.of("..", "docs", "functions.md");

  @Test
  void docsFunctionTablesAreTheRegistrysOwn() throws Exception {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    String fresh = FunctionDocs.update(doc);
    if (Boolean.getBoolean("flywheel.writeDocs")) {
      Files.writeString(DOC, fresh, StandardCharsets.UTF_8);
    }
    assertThat(doc).as("docs/functions.md is stale: rerun FunctionDocsTest with -Dflywheel.writeDocs=true").isEqualTo(fresh);
  }

  @Test
  void docsListExactlyTheRegisteredNames() throws Exception {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    List<String> listed = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^\\| `((?:flywheel|fw)_[a-z_]+)\\(").matcher(doc);
    while (m.find()) {
      listed.add(m.group(1));
    }
    List<String> registered = FlywheelFunctions.all().stream().map(SqlFunction::name).toList();
    assertThat(registered).hasSize(29).doesNotHaveDuplicates();
    assertThat(listed).containsExactlyElementsOf(registered);
  }

  @Test
  void everyFunctionIsNamedFlywheelOrIsADeprecatedAliasOfOne() {
    var names = new HashSet<String>();
    FlywheelFunctions.all().forEach(f -> names.add(f.name()));
    assertThat(FlywheelFunctions.all()).allSatisfy(f -> {
      if (f.deprecated()) {
        assertThat(f.name()).startsWith("fw_");
        assertThat(names).contains(f.replacement());
        assertThat(f.info().getDeprecated()).contains("use " + f.replacement());
      } else {
        assertThat(f.name()).startsWith("flywheel_");
        assertThat(f.info().getDeprecated()).isEmpty();
      }
      assertThat(f.exampleResult()).as("documented result of " + f.name()).isNotEmpty();
    });
  }
}
