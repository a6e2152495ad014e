<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
  <context>
    <name>liangwei</name>
    <message>
      <source>一张图</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>两违一张图</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>两违一张图审查</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>审查分析</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>文书输出</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>案件台账</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>生成一个虚构但逼真的示例县（CGCS2000 3度带高斯-克吕格投影）：乡镇界线、三调地类图斑、三区三线与规划分区、保护区、两期影像（GeoTIFF）和卫片监测图斑。同一随机种子总是生成相同的数据，用于培训、演示和测试。</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>生成示例县数据</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>输出文件夹</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>随机种子</source>
      <translation type="unfinished" />
    </message>
  </context>
</TS>
