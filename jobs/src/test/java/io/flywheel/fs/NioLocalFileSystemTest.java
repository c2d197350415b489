package io.flywheel.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NioLocalFileSystemTest {
  @TempDir java.nio.file.Path dir;

  private static Configuration conf() {
    Configuration conf = new Configuration(false);
    conf.set("fs.file.impl", NioLocalFileSystem.class.getName());
    conf.set("fs.AbstractFileSystem.file.impl", NioLocalFileSystem.Fs.class.getName());
    conf.set("fs.permissions.umask-mode", "022");
    return conf;
  }

  private Path path(String name) {
    return new Path(dir.resolve(name).toUri());
  }

  @Test
  void directoriesAndFilesGetThePermissionsAskedForMinusTheUmask() throws Exception {
    try (FileSystem fs = FileSystem.newInstance(URI.create("file:///"), conf())) {
      assertThat(fs).isInstanceOf(NioLocalFileSystem.class);
      assertThat(fs.mkdirs(path("a/b"), new FsPermission((short) 0750))).isTrue();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b")))).isEqualTo("rwxr-x---");
      try (FSDataOutputStream out = fs.create(path("a/b/f.txt"), new FsPermission((short) 0666), true, 4096, (short) 1, 1 << 20, null)) {
        out.write("x".getBytes(StandardCharsets.UTF_8));
      }
      // 0666 under the umask 022.
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b/f.txt")))).isEqualTo("rw-r--r--");
      assertThat(Files.exists(dir.resolve("a/b/.f.txt.crc"))).as("the checksum file of the checksummed file system").isTrue();
      fs.setPermission(path("a/b/f.txt"), new FsPermission((short) 0400));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b/f.txt")))).isEqualTo("r--------");
    }
  }

  @Test
  void fileContextRenamesRefuseAnExistingTargetUnlessAskedToOverwriteAsDeltaCommitsNeed() throws Exception {
    FileContext fc = FileContext.getFileContext(URI.create("file:///"), conf());
    write(fc, path("tmp-1"), "first");
    fc.rename(path("tmp-1"), path("00001.json"), Options.Rename.NONE);
    assertThat(Files.readString(dir.resolve("00001.json"))).isEqualTo("first");
    assertThat(Files.exists(dir.resolve(".00001.json.crc"))).as("the checksum moved along").isTrue();

    write(fc, path("tmp-2"), "second");
    // Two writers racing for one Delta version: the second rename must fail, not replace the first.
    assertThatThrownBy(() -> fc.rename(path("tmp-2"), path("00001.json"), Options.Rename.NONE))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readString(dir.resolve("00001.json"))).isEqualTo("first");
    fc.rename(path("tmp-2"), path("00001.json"), Options.Rename.OVERWRITE);
    assertThat(Files.readString(dir.resolve("00001.json"))).isEqualTo("second");
    assertThatThrownBy(() -> fc.rename(path("missing"), path("00002.json"), Options.Rename.NONE))
        .isInstanceOf(java.io.FileNotFoundException.class);
  }

  @Test
  void linksAndPlainPathsAreReportedAsHadoopsOwnLocalFileSystemReportsThem() throws Exception {
    Files.writeString(dir.resolve("target.txt"), "t");
    Files.createDirectory(dir.resolve("folder"));
    Files.createSymbolicLink(dir.resolve("link.txt"), dir.resolve("target.txt"));
    FileContext fc = FileContext.getFileContext(URI.create("file:///"), conf());
    FileContext hadoopsFc = FileContext.getFileContext(URI.create("file:///"), new Configuration());
    try (FileSystem fs = FileSystem.newInstance(URI.create("file:///"), conf());
        FileSystem hadoops = FileSystem.newInstance(URI.create("file:///"), new Configuration())) {
      assertThat(hadoops).isNotInstanceOf(NioLocalFileSystem.class);
      for (String name : new String[] {"link.txt", "target.txt", "folder"}) {
        assertThat(describe(fs.getFileLinkStatus(path(name)))).as(name).isEqualTo(describe(hadoops.getFileLinkStatus(path(name))));
        assertThat(describe(fc.getFileLinkStatus(path(name)))).as(name).isEqualTo(describe(hadoopsFc.getFileLinkStatus(path(name))));
      }
      assertThatThrownBy(() -> fc.getFileLinkStatus(path("missing"))).isInstanceOf(java.io.FileNotFoundException.class);
    }
  }

  private static String describe(FileStatus s) throws Exception {
    return s.getPath() + " dir=" + s.isDirectory() + " len=" + s.getLen() + " link=" + (s.isSymlink() ? s.getSymlink() : "-");
  }

  private static void write(FileContext fc, Path p, String text) throws Exception {
    try (OutputStream out = fc.create(p, EnumSet.of(CreateFlag.CREATE, CreateFlag.OVERWRITE), Options.CreateOpts.createParent())) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }
}
