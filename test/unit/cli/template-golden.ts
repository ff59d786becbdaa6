// Recorded: `docker image inspect --format TEMPLATE probe/one:1` with the docker 28.2.2 CLI
// against dockerd 20.10 (an image made by `docker import` of a busybox rootfs, with labels
// a=1 and b=<x>, ENV X=1 Y=2, CMD ["/bin/busybox","true"], tagged probe/one:1, probe/one:2
// and other/two:latest). INSPECT is what that daemon returned for it; each case is
// [template, stdout, stderr]. The exit status was 1 wherever stderr is not empty.

export const INSPECT: Record<string, unknown> = {
  "Id": "sha256:f6ff25a9648edb06a8b797880c323d6b17a4018c7744ee4cdb4a0b5eff717f40",
  "RepoTags": [
    "other/two:latest",
    "probe/one:1",
    "probe/one:2"
  ],
  "RepoDigests": [],
  "Parent": "",
  "Comment": "Imported from -",
  "Created": "2026-12-01T21:36:24.402331382Z",
  "Container": "",
  "ContainerConfig": {
    "Hostname": "",
    "Domainname": "",
    "User": "",
    "AttachStdin": false,
    "AttachStdout": false,
    "AttachStderr": false,
    "Tty": false,
    "OpenStdin": false,
    "StdinOnce": false,
    "Env": null,
    "Cmd": null,
    "Image": "",
    "Volumes": null,
    "WorkingDir": "",
    "Entrypoint": null,
    "OnBuild": null,
    "Labels": null
  },
  "DockerVersion": "20.10.24+dfsg1",
  "Author": "",
  "Config": {
    "Hostname": "",
    "Domainname": "",
    "User": "",
    "AttachStdin": false,
    "AttachStdout": false,
    "AttachStderr": false,
    "Tty": false,
    "OpenStdin": false,
    "StdinOnce": false,
    "Env": [
      "X=1",
      "Y=2"
    ],
    "Cmd": [
      "/bin/busybox",
      "true"
    ],
    "Image": "",
    "Volumes": null,
    "WorkingDir": "",
    "Entrypoint": null,
    "OnBuild": null,
    "Labels": {
      "a": "1",
      "b": "<x>"
    }
  },
  "Architecture": "amd64",
  "Os": "linux",
  "Size": 1982256,
  "VirtualSize": 1982256,
  "GraphDriver": {
    "Data": null,
    "Name": "vfs"
  },
  "RootFS": {
    "Type": "layers",
    "Layers": [
      "sha256:684ad7eafc03f63f89ef6c6a36f9df289d3c4dd6194b7ca29150842d33bd3690"
    ]
  },
  "Metadata": {
    "LastTagTime": "2026-12-01T21:36:24.472071942Z"
  }
};

export const CASES: Array<[string, string, string]> = [
 [
  "{{.Id}}",
  "sha256:f6ff25a9648edb06a8b797880c323d6b17a4018c7744ee4cdb4a0b5eff717f40\n",
  ""
 ],
 [
  "{{.ID}}",
  "sha256:f6ff25a9648edb06a8b797880c323d6b17a4018c7744ee4cdb4a0b5eff717f40\n",
  ""
 ],
 [
  "{{index .RepoTags 0}}",
  "other/two:latest\n",
  ""
 ],
 [
  "{{index .RepoDigests 0}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <index .RepoDigests 0>: error calling index: reflect: slice index out of range\n"
 ],
 [
  "{{index .RepoTags 3}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <index .RepoTags 3>: error calling index: reflect: slice index out of range\n"
 ],
 [
  "{{index .RepoTags 4}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <index .RepoTags 4>: error calling index: index out of range: 4\n"
 ],
 [
  "{{range .RepoTags}}{{.}} {{end}}",
  "other/two:latest probe/one:1 probe/one:2 \n",
  ""
 ],
 [
  "{{range $i, $t := .RepoTags}}{{if $i}},{{end}}{{$i}}={{$t}}{{end}}",
  "0=other/two:latest,1=probe/one:1,2=probe/one:2\n",
  ""
 ],
 [
  "{{range .RepoDigests}}x{{else}}none{{end}}",
  "none\n",
  ""
 ],
 [
  "{{len .RepoTags}} {{len .Config.Labels}} {{len .Os}} {{len .RepoDigests}}",
  "3 2 5 0\n",
  ""
 ],
 [
  "{{if eq .Os \"linux\"}}L{{else if eq .Os \"windows\"}}W{{else}}?{{end}}",
  "L\n",
  ""
 ],
 [
  "{{if eq .Os \"x\"}}L{{else if eq .Os \"linux\"}}second{{else}}?{{end}}",
  "second\n",
  ""
 ],
 [
  "{{with .Config}}{{.Env}} {{.Cmd}} {{.Entrypoint}} {{.User}}|{{end}}",
  "[X=1 Y=2] [/bin/busybox true] [] |\n",
  ""
 ],
 [
  "{{with .Config.Entrypoint}}has{{else}}no entrypoint{{end}}",
  "no entrypoint\n",
  ""
 ],
 [
  "{{.Config.Labels}} {{.Config.Labels.a}} {{.Config.Labels.zz}}",
  "map[a:1 b:<x>] 1 <no value>\n",
  ""
 ],
 [
  "{{index .Config.Labels \"b\"}}|{{index .Config.Labels \"zz\"}}|",
  "<x>||\n",
  ""
 ],
 [
  "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}",
  "a=1;b=<x>;\n",
  ""
 ],
 [
  "{{json .Config.Labels}} {{json .RepoDigests}} {{json .Config.Entrypoint}} {{json .Size}} {{json .Os}}",
  "{\"a\":\"1\",\"b\":\"<x>\"} [] null 1982256 \"linux\"\n",
  ""
 ],
 [
  "{{json .RootFS}}",
  "{\"Type\":\"layers\",\"Layers\":[\"sha256:684ad7eafc03f63f89ef6c6a36f9df289d3c4dd6194b7ca29150842d33bd3690\"]}\n",
  ""
 ],
 [
  "{{json .Metadata}}",
  "{\"LastTagTime\":\"2026-12-01T21:36:24.472071942Z\"}\n",
  ""
 ],
 [
  "{{.RootFS}}",
  "{layers [sha256:684ad7eafc03f63f89ef6c6a36f9df289d3c4dd6194b7ca29150842d33bd3690]}\n",
  ""
 ],
 [
  "{{.Metadata}}",
  "{2026-12-01 21:36:24.472071942 +0000 UTC}\n",
  ""
 ],
 [
  "{{.Metadata.LastTagTime}}",
  "2026-12-01 21:36:24.472071942 +0000 UTC\n",
  ""
 ],
 [
  "{{.GraphDriver}}",
  "{map[] vfs}\n",
  ""
 ],
 [
  "{{.GraphDriver.Name}}",
  "vfs\n",
  ""
 ],
 [
  "{{.Size}} {{printf \"%d|%v|%s|%x|%10d|%-10d|%T\" .Size .Size .Size .Size .Size .Size .Size}}",
  "1982256 1982256|1982256|%!s(int64=1982256)|1e3f30|   1982256|1982256   |int64\n",
  ""
 ],
 [
  "{{printf \"%q %v %s %d\" .RepoTags .RepoTags .RepoTags .RepoTags}}",
  "[\"other/two:latest\" \"probe/one:1\" \"probe/one:2\"] [other/two:latest probe/one:1 probe/one:2] [other/two:latest probe/one:1 probe/one:2] [%!d(string=other/two:latest) %!d(string=probe/one:1) %!d(string=probe/one:2)]\n",
  ""
 ],
 [
  "{{printf \"%v %+v\" .RootFS .GraphDriver}}",
  "{layers [sha256:684ad7eafc03f63f89ef6c6a36f9df289d3c4dd6194b7ca29150842d33bd3690]} {Data:map[] Name:vfs}\n",
  ""
 ],
 [
  "{{printf \"%.2f %e %g %G %8.3f|%-8.2f|%08.3f %+.1e\" 3.14159 1234.5678 0.00001234 1e21 2.5 2.5 -3.14159 12345.678}}",
  "3.14 1.234568e+03 1.234e-05 1E+21    2.500|2.50    |-003.142 +1.2e+04\n",
  ""
 ],
 [
  "{{printf \"%.0f %.0f %.0f %.1f %g %g %v %v\" 0.5 1.5 2.5 0.25 100000.0 1000000.0 1e6 123456789.0}}",
  "0 2 2 0.2 100000 1e+06 1e+06 1.23456789e+08\n",
  ""
 ],
 [
  "{{printf \"%x %X %o %O %b %c %U %#U %q %#x %#o\" 255 255 8 8 5 9731 9731 9731 65 255 8}}",
  "ff FF 10 0o10 101 ☃ U+2603 U+2603 '☃' 'A' 0xff 010\n",
  ""
 ],
 [
  "{{printf \"%s|%10s|%-10s|%.2s|%q|%x|% x|%#q\" \"héllo\" \"ab\" \"ab\" \"héllo\" \"a\\\"b\\n\" \"hi\" \"hi\" \"raw\"}}",
  "héllo|        ab|ab        |hé|\"a\\\"b\\n\"|6869|68 69|`raw`\n",
  ""
 ],
 [
  "{{printf \"%t %v %5t\" true false true}}",
  "true false  true\n",
  ""
 ],
 [
  "{{printf \"%d %s\"}} {{printf \"%z\" 1}} {{printf \"x\" 1 \"y\"}} {{printf \"%!\"}} {{printf \"%\"}}",
  "%!d(MISSING) %!s(MISSING) %!z(int=1) x%!(EXTRA int=1, string=y) %!!(MISSING) %!(NOVERB)\n",
  ""
 ],
 [
  "{{printf \"%[2]s %[1]s\" \"a\" \"b\"}} {{printf \"%*d|%-*d\" 5 1 4 2}} {{printf \"%.*f\" 2 3.14159}}",
  "b a     1|2    3.14\n",
  ""
 ],
 [
  "{{print 1 2 \"a\" \"b\" 3 .Size nil}} {{println \"x\" 1}}|",
  "1 2ab3 1982256 <nil> x 1\n|\n",
  ""
 ],
 [
  "{{.Os | printf \"%s-%s\" .Architecture}}",
  "amd64-linux\n",
  ""
 ],
 [
  "{{.Os | upper | lower}} {{title \"hello wORLD foo_bar x-y\"}} {{upper .Os}}",
  "linux Hello WORLD Foo_bar X-Y LINUX\n",
  ""
 ],
 [
  "{{split \"a,b,,c\" \",\"}} {{join (split \"a,b\" \",\") \"+\"}} {{len (split \"\" \",\")}} {{split \"ab\" \"\"}}",
  "[a b  c] a+b 1 [a b]\n",
  ""
 ],
 [
  "{{pad .Os 2 3}}| {{pad \"\" 2 2}}| {{truncate .Os 3}} {{truncate .Os 10}}",
  "  linux   | | lin linux\n",
  ""
 ],
 [
  "{{html \"<a href=\\\"x\\\">&'</a>\"}} {{js \"a'b\\\"c<d>e&f=g\\\\h\\n\"}} {{urlquery \"a b&c=d/é~\"}}",
  "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt; a\\'b\\\"c\\u003Cd\\u003Ee\\u0026f\\u003Dg\\\\h\\u000A a+b%26c%3Dd%2F%C3%A9~\n",
  ""
 ],
 [
  "{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"z\"}} {{or 0 \"\"}} {{not \"\"}} {{not .Os}} {{and .Os .Size}}",
  "0 2 z  true false 1982256\n",
  ""
 ],
 [
  "{{eq 1 1}} {{eq \"a\" \"b\" \"a\"}} {{ne .Os \"linux\"}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}} {{eq .Size 1982256}}",
  "true true false true true true false true\n",
  ""
 ],
 [
  "{{eq .Size \"x\"}}",
  "false\n",
  ""
 ],
 [
  "{{lt .RepoTags 1}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <lt .RepoTags 1>: error calling lt: invalid type for comparison\n"
 ],
 [
  "{{eq 1 1.0}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <eq 1 1.0>: error calling eq: incompatible types for comparison\n"
 ],
 [
  "{{slice .Os 1 3}} {{slice .RepoTags 1}} {{slice .Os 2}} {{index .Os 0}} {{index \"ab\" 1}}",
  "in [probe/one:1 probe/one:2] nux 108 98\n",
  ""
 ],
 [
  "{{slice .Os 3 1}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <slice .Os 3 1>: error calling slice: invalid slice index: 3 > 1\n"
 ],
 [
  "{{$x := .Os}}{{$y := \"a\"}}{{$x}}{{$y}}{{$x = \"z\"}}{{$x}}",
  "linuxaz\n",
  ""
 ],
 [
  "{{range $i, $t := .RepoTags}}{{$i}}{{$.Os}}{{end}}",
  "0linux1linux2linux\n",
  ""
 ],
 [
  "{{range .RepoTags}}{{if eq . \"probe/one:1\"}}{{break}}{{end}}{{.}};{{end}}",
  "other/two:latest;\n",
  ""
 ],
 [
  "{{range .RepoTags}}{{if eq . \"probe/one:1\"}}{{continue}}{{end}}{{.}};{{end}}",
  "other/two:latest;probe/one:2;\n",
  ""
 ],
 [
  "{{range 3}}{{.}}{{end}} {{range $i := 2}}[{{$i}}]{{end}}",
  "012 [0][1]\n",
  ""
 ],
 [
  "{{range $i, $v := .Config.Env}}{{range $j, $w := $.RepoTags}}{{$i}}{{$j}} {{end}}{{end}}",
  "00 01 02 10 11 12 \n",
  ""
 ],
 [
  "a  {{- .Os -}}  b {{- /* comment */ -}} c {{/* x */}} d",
  "alinuxbc  d\n",
  ""
 ],
 [
  "{{- \"x\" -}}",
  "x\n",
  ""
 ],
 [
  "{{`raw\\n` }} {{\"esc\\t|\"}} {{'a'}} {{0x10}} {{1e3}} {{-5}} {{1_000}} {{0b101}} {{0o17}} {{017}} {{.5}}",
  "raw\\n esc\t| 97 16 1000 -5 1000 5 15 15 0.5\n",
  ""
 ],
 [
  "{{(index .RepoTags 0)}} {{(.Config).Env}} {{(index .RepoTags 1) | len}}",
  "other/two:latest [X=1 Y=2] 11\n",
  ""
 ],
 [
  "{{define \"T\"}}[{{.}}]{{end}}{{template \"T\" .Os}}{{template \"T\" \"x\"}}{{block \"B\" .Architecture}}<{{.}}>{{end}}",
  "[linux][x]<amd64>\n",
  ""
 ],
 [
  "{{with $c := .Config}}{{$c.Cmd}}{{end}} {{with .Config.Labels.zz}}x{{else with .Os}}os={{.}}{{end}}",
  "[/bin/busybox true] os=linux\n",
  ""
 ],
 [
  "{{.Config.Labels.zz}}",
  "<no value>\n",
  ""
 ],
 [
  "{{.Foo}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\"\n"
 ],
 [
  "{{.Config.Foo}}",
  "\n",
  "template parsing error: template: :1:9: executing \"\" at <.Config.Foo>: map has no entry for key \"Foo\"\n"
 ],
 [
  "{{.Config.Healthcheck}}",
  "<nil>\n",
  ""
 ],
 [
  "{{.Os.Foo}}",
  "\n",
  "template parsing error: template: :1:5: executing \"\" at <.Os.Foo>: can't evaluate field Foo in type interface {}\n"
 ],
 [
  "{{foo}}",
  "",
  "template parsing error: template: :1: function \"foo\" not defined\n"
 ],
 [
  "{{if .Os}}x\n{{end}}",
  "x\n\n",
  ""
 ],
 [
  "{{else}}",
  "",
  "template parsing error: template: :1: unexpected {{else}}\n"
 ],
 [
  "{{.Os",
  "",
  "template parsing error: template: :1: unclosed action\n"
 ],
 [
  "{{\"unterminated}}",
  "",
  "template parsing error: template: :1: unterminated quoted string\n"
 ],
 [
  "{{range $i, $j, $k := .RepoTags}}{{end}}",
  "",
  "template parsing error: template: :1: too many declarations in range\n"
 ],
 [
  "{{$undefined}}",
  "",
  "template parsing error: template: :1: undefined variable \"$undefined\"\n"
 ],
 [
  "{{.Os | \"x\"}}",
  "",
  "template parsing error: template: :1: non executable command in pipeline stage 2\n"
 ],
 [
  "{{nil}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <nil>: nil is not a command\n"
 ],
 [
  "{{3 .Os}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <3>: can't give argument to non-function 3\n"
 ],
 [
  "{{len 3}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <len 3>: error calling len: len of type int\n"
 ],
 [
  "{{index .Os \"x\"}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <index .Os \"x\">: error calling index: cannot index slice/array with type string\n"
 ],
 [
  "{{index 1 0}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <index 1 0>: error calling index: can't index item of type int\n"
 ],
 [
  "{{upper .Size}}",
  "\n",
  "template parsing error: template: :1:8: executing \"\" at <.Size>: wrong type for value; expected string; got json.Number\n"
 ],
 [
  "{{join .Os \",\"}}",
  "\n",
  "template parsing error: template: :1:7: executing \"\" at <.Os>: wrong type for value; expected []string; got string\n"
 ],
 [
  "{{pad .Os \"x\" 1}}",
  "\n",
  "template parsing error: template: :1:10: executing \"\" at <\"x\">: expected integer; found \"x\"\n"
 ],
 [
  "{{printf 3}}",
  "\n",
  "template parsing error: template: :1:9: executing \"\" at <3>: expected string; found 3\n"
 ],
 [
  "{{break}}",
  "",
  "template parsing error: template: :1: {{break}} outside {{range}}\n"
 ],
 [
  "{{template \"nope\"}}",
  "\n",
  "template parsing error: template: :1:11: executing \"\" at <{{template \"nope\"}}>: template \"nope\" not defined\n"
 ],
 [
  "{{.Os.}}",
  "",
  "template parsing error: template: :1: unexpected <.> in operand\n"
 ],
 [
  "{{ .Os ) }}",
  "",
  "template parsing error: template: :1: unexpected right paren\n"
 ],
 [
  "{{(.Os}}",
  "",
  "template parsing error: template: :1: unclosed left paren\n"
 ],
 [
  "{{call .Os}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <call .Os>: error calling call: non-function .Os of type string\n"
 ],
 [
  "{{and}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <and>: wrong number of args for and: want at least 1 got 0\n"
 ],
 [
  "{{eq}}",
  "\n",
  "template parsing error: template: :1:2: executing \"\" at <eq>: wrong number of args for eq: want at least 1 got 0\n"
 ],
 [
  "{{html .Config.Labels.zz}} {{print .Config.Labels.zz}} {{printf \"%s|%v|%d\" .Config.Labels.zz .Config.Labels.zz .Config.Labels.zz}} {{json .Config.Labels.zz}}",
  "&lt;no value&gt; <nil> %!s(<nil>)|<nil>|%!d(<nil>) null\n",
  ""
 ],
 [
  "{{len .Config.Labels.zz}}",
  "\n",
  "template parsing error: template: :1:13: executing \"\" at <.Config.Labels.zz>: map has no entry for key \"zz\"\n"
 ],
 [
  "{{range .Os}}{{end}}",
  "\n",
  "template parsing error: template: :1:8: executing \"\" at <.Os>: range can't iterate over linux\n"
 ],
 [
  "{{.Config.Cmd | join \",\"}}",
  "\n",
  "template parsing error: template: :1:21: executing \"\" at <\",\">: can't handle \",\" for arg of type []string\n"
 ],
 [
  "line1\n{{.Missing}}",
  "\n",
  "template parsing error: template: :2:2: executing \"\" at <.Missing>: map has no entry for key \"Missing\"\n"
 ],
 [
  "{{.Os}}\n  {{.Foo}}",
  "\n",
  "template parsing error: template: :2:4: executing \"\" at <.Foo>: map has no entry for key \"Foo\"\n"
 ],
 [
  "é{{.Foo}}",
  "\n",
  "template parsing error: template: :1:4: executing \"\" at <.Foo>: map has no entry for key \"Foo\"\n"
 ],
 [
  "{{.Os}}\n{{if}}",
  "",
  "template parsing error: template: :2: missing value for if\n"
 ],
 [
  "{{len \"é\"}} {{index \"é\" 0}} {{slice \"héllo\" 0 3}} {{printf \"%5s|%-4q|\" \"é\" \"é\"}}",
  "2 195 hé     é|\"é\" |\n",
  ""
 ],
 [
  "{{printf \"%v %.3v %10.4v|\" 1e-7 3.14159 2.0}}",
  "1e-07 3.14          2|\n",
  ""
 ],
 [
  "{{printf \"%08d|%+d|% d|%x|%.3d|%.0d|\" -42 7 7 -255 5 0}}",
  "-0000042|+7| 7|-ff|005||\n",
  ""
 ],
 [
  "{{printf \"%6.2f|%-8.3e|%G|%g\" -1.005 123456.0 1e-10 1e20}}",
  " -1.00|1.235e+05|1E-10|1e+20\n",
  ""
 ],
 [
  "{{printf \"%v\" .Config}}",
  "&{{ map[] [X=1 Y=2] [] [/bin/busybox true] map[]  map[a:1 b:<x>]  false} {<nil> [] []}}\n",
  ""
 ],
 [
  "{{printf \"%+v\" .Metadata}}",
  "{LastTagTime:2026-12-01 21:36:24.472071942 +0000 UTC}\n",
  ""
 ],
 [
  "{{printf \"%s %v\" .Config.Labels .RootFS.Layers}}",
  "map[a:1 b:<x>] [sha256:684ad7eafc03f63f89ef6c6a36f9df289d3c4dd6194b7ca29150842d33bd3690]\n",
  ""
 ],
 [
  "{{json .Config}}",
  "{\"Env\":[\"X=1\",\"Y=2\"],\"Cmd\":[\"/bin/busybox\",\"true\"],\"Labels\":{\"a\":\"1\",\"b\":\"<x>\"}}\n",
  ""
 ],
 [
  "{{json .}}",
  "{\"Id\":\"sha256:f6ff25a9648edb06a8b797880c323d6b17a4018c7744ee4cdb4a0b5eff717f40\",\"RepoTags\":[\"other/two:latest\",\"probe/one:1\",\"probe/one:2\"],\"RepoDigests\":[],\"Parent\":\"\",\"Comment\":\"Imported from -\",\"Created\":\"2026-12-01T21:36:24.402331382Z\",\"ContainerConfig\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":null,\"Image\":\"\",\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":null},\"DockerVersion\":\"20.10.24+dfsg1\",\"Author\":\"\",\"Config\":{\"Env\":[\"X=1\",\"Y=2\"],\"Cmd\":[\"/bin/busybox\",\"true\"],\"Labels\":{\"a\":\"1\",\"b\":\"<x>\"}},\"Architecture\":\"amd64\",\"Os\":\"linux\",\"Size\":1982256,\"VirtualSize\":1982256,\"GraphDriver\":{\"Data\":null,\"Name\":\"vfs\"},\"RootFS\":{\"Type\":\"layers\",\"Layers\":[\"sha256:684ad7eafc03f63f89ef6c6a36f9df289d3c4dd6194b7ca29150842d33bd3690\"]},\"Metadata\":{\"LastTagTime\":\"2026-12-01T21:36:24.472071942Z\"}}\n",
  ""
 ],
 [
  "{{.Config.ExposedPorts}} {{.Config.Volumes}} {{.Config.OnBuild}} {{.Config.ArgsEscaped}}",
  "map[] map[] [] false\n",
  ""
 ],
 [
  "{{range $k, $v := .GraphDriver}}{{end}}",
  "\n",
  ""
 ],
 [
  "{{with .Config}}{{with .Labels}}{{.a}}{{end}}{{end}}",
  "1\n",
  ""
 ],
 [
  "{{if and (gt (len .RepoTags) 1) (ne .Os \"windows\")}}multi{{end}}",
  "multi\n",
  ""
 ],
 [
  "{{$n := 0}}{{range .RepoTags}}{{$n = len .}}{{end}}{{$n}}",
  "11\n",
  ""
 ],
 [
  "{{range $i, $e := .RepoTags}}{{$i}}{{end}}{{$i}}",
  "",
  "template parsing error: template: :1: undefined variable \"$i\"\n"
 ],
 [
  "{{.RepoTags | len | printf \"%03d\"}}",
  "003\n",
  ""
 ],
 [
  "{{printf \"%T %T %T %T %T %T\" .RepoTags .Config.Labels .Config .RootFS .Metadata.LastTagTime nil}}",
  "[]string map[string]string *v1.DockerOCIImageConfig image.RootFS time.Time <nil>\n",
  ""
 ],
 [
  "{{index .Config.Env 1 | split \"=\"}}",
  "[=]\n",
  ""
 ],
 [
  "{{index (split (index .Config.Env 1) \"=\") 1}}",
  "2\n",
  ""
 ],
 [
  "{{.Metadata.LastTagTime.Year}}",
  "2026\n",
  ""
 ]
];
