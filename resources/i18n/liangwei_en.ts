<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
  <context>
    <name>CaseRegisterWidget</name>
    <message>
      <source>刷新</source>
      <translation>Refresh</translation>
    </message>
    <message>
      <source>加载台账图层</source>
      <translation>Load Register Layer</translation>
    </message>
    <message>
      <source>只看超期</source>
      <translation>Overdue only</translation>
    </message>
    <message>
      <source>台账</source>
      <translation>Register</translation>
    </message>
    <message>
      <source>打开</source>
      <translation>Open</translation>
    </message>
    <message>
      <source>搜索案件编号、监测编号、当事人、乡镇、村</source>
      <translation>Search case number, monitoring number, party, township, village</translation>
    </message>
    <message>
      <source>缩放至案件</source>
      <translation>Zoom to Case</translation>
    </message>
    <message>
      <source>转下一阶段…</source>
      <translation>Advance Stage…</translation>
    </message>
  </context>
  <context>
    <name>PatchNavigator</name>
    <message>
      <source>◀ 上一个</source>
      <translation>◀ Previous</translation>
    </message>
    <message>
      <source>下一个 ▶</source>
      <translation>Next ▶</translation>
    </message>
    <message>
      <source>乡镇</source>
      <translation>Township</translation>
    </message>
    <message>
      <source>内容</source>
      <translation>Value</translation>
    </message>
    <message>
      <source>图斑图层</source>
      <translation>Patch layer</translation>
    </message>
    <message>
      <source>图斑导航</source>
      <translation>Patch Navigator</translation>
    </message>
    <message>
      <source>地图点选</source>
      <translation>Pick on Map</translation>
    </message>
    <message>
      <source>外业核查举证照片（红框：未通过位置或时间检查）</source>
      <translation>On-site evidence photos (red frame: failed the position or time check)</translation>
    </message>
    <message>
      <source>监测编号</source>
      <translation>Monitoring no.</translation>
    </message>
    <message>
      <source>缩放至图斑</source>
      <translation>Zoom to Patch</translation>
    </message>
    <message>
      <source>自动卷帘</source>
      <translation>Auto swipe</translation>
    </message>
    <message>
      <source>认定结论</source>
      <translation>Determination</translation>
    </message>
    <message>
      <source>输入监测编号（或其末几位）后回车</source>
      <translation>Type a monitoring number (or its last digits), then Enter</translation>
    </message>
    <message>
      <source>输出规划认定意见书…</source>
      <translation>Export Planning Opinion Reports…</translation>
    </message>
    <message>
      <source>输出责令限期整改通知书…</source>
      <translation>Export Rectification Notices…</translation>
    </message>
    <message>
      <source>项目</source>
      <translation>Item</translation>
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <source>GeoPackage 文件</source>
      <translation>GeoPackage file</translation>
    </message>
    <message>
      <source>PostGIS 连接</source>
      <translation>PostGIS connection</translation>
    </message>
    <message>
      <source>不使用台账</source>
      <translation>No case register</translation>
    </message>
    <message>
      <source>两违一张图设置</source>
      <translation>Liangwei One Map settings</translation>
    </message>
    <message>
      <source>发文机关</source>
      <translation>Issuing authority</translation>
    </message>
    <message>
      <source>同时作为本人的默认设置（新项目也使用）</source>
      <translation>Also as my default settings (used by new projects too)</translation>
    </message>
    <message>
      <source>工作文件夹</source>
      <translation>Working folder</translation>
    </message>
    <message>
      <source>文书编号登记库</source>
      <translation>Document-number registry</translation>
    </message>
    <message>
      <source>文书配置文件</source>
      <translation>Document configuration file</translation>
    </message>
    <message>
      <source>案件台账</source>
      <translation>Case register</translation>
    </message>
    <message>
      <source>生成 PDF 的进程数</source>
      <translation>PDF worker processes</translation>
    </message>
  </context>
  <context>
    <name>liangwei</name>
    <message>
      <source>.gpkg 路径 / postgresql://… / QGIS 连接名</source>
      <translation>.gpkg path / postgresql://… / QGIS connection name</translation>
    </message>
    <message>
      <source>12345热线</source>
      <translation>12345 hotline</translation>
    </message>
    <message>
      <source>Excel 工作簿 (*.xlsx);;CSV 文件 (*.csv)</source>
      <translation>Excel workbook (*.xlsx);;CSV file (*.csv)</translation>
    </message>
    <message>
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <source>PNG 图片 (*.png)</source>
      <translation>PNG image (*.png)</translation>
    </message>
    <message>
      <source>QGIS 的 Python 环境缺少或版本过旧：{packages}；{features}暂不可用，其余功能正常。请安装包含这些组件的 QGIS 版本（Windows 版 QGIS 3.40/3.44 自带），或在 QGIS 的 Python 中执行：pip install {pip}</source>
      <translation>QGIS's Python lacks these packages or has them too old: {packages}; {features} are unavailable, everything else works. Install a QGIS that includes them (the Windows QGIS 3.40/3.44 installers do), or run in QGIS's Python: pip install {pip}</translation>
    </message>
    <message>
      <source>QGIS 项目 (*.qgz *.qgs);;外业核查包文件夹 (*)</source>
      <translation>QGIS project (*.qgz *.qgs);;Field package folder (*)</translation>
    </message>
    <message>
      <source>QGIS 项目 (*.qgz)</source>
      <translation>QGIS project (*.qgz)</translation>
    </message>
    <message>
      <source>SQLite (*.sqlite *.db)</source>
      <translation>SQLite (*.sqlite *.db)</translation>
    </message>
    <message>
      <source>Shapefile 字段名最长 10 个字节，以下字段已改名：{names}</source>
      <translation>Shapefile field names hold at most 10 bytes; these fields were renamed: {names}</translation>
    </message>
    <message>
      <source>id 重复</source>
      <translation>duplicate id</translation>
    </message>
    <message>
      <source>violation = {v} 与 code = "{code}" 矛盾</source>
      <translation>violation = {v} contradicts code = "{code}"</translation>
    </message>
    <message>
      <source>{0}/{1} 叠加分析</source>
      <translation>{0}/{1} Overlay check</translation>
    </message>
    <message>
      <source>{0}/{1} 登记案件</source>
      <translation>{0}/{1} Registering cases</translation>
    </message>
    <message>
      <source>{0}/{1} 登记案件：未指定案件台账，跳过</source>
      <translation>{0}/{1} Registering cases: no case register set, skipped</translation>
    </message>
    <message>
      <source>{0}/{1} 规划认定</source>
      <translation>{0}/{1} Planning determination</translation>
    </message>
    <message>
      <source>{0}/{1} 输出 {2}</source>
      <translation>{0}/{1} Writing {2}</translation>
    </message>
    <message>
      <source>{area:.2f}㎡ 未被地类图斑覆盖</source>
      <translation>{area:.2f} m² not covered by any land-use parcel</translation>
    </message>
    <message>
      <source>{area:.2f}㎡ 的地类编码未知或为空</source>
      <translation>{area:.2f} m² with an unknown or empty land-use code</translation>
    </message>
    <message>
      <source>{day} 超期案件 {n} 件（{roles}）；本次记入效能问责 {f} 件</source>
      <translation>Overdue cases on {day}: {n} ({roles}); newly flagged for performance accountability: {f}</translation>
    </message>
    <message>
      <source>{id}（编号冲突）</source>
      <translation>{id} (id conflict)</translation>
    </message>
    <message>
      <source>{label}：{n} 个</source>
      <translation>{label}: {n}</translation>
    </message>
    <message>
      <source>{name}：.cpg 文件中的编码无法识别，自动检测编码</source>
      <translation>{name}: the encoding named in the .cpg file is unknown; detecting the encoding</translation>
    </message>
    <message>
      <source>{name}：没有 .cpg 文件，属性不是 UTF-8 编码（LDID {ldid}），按 GB18030 读取</source>
      <translation>{name}: no .cpg file and the attributes are not UTF-8 (LDID {ldid}); reading them as GB18030</translation>
    </message>
    <message>
      <source>{n} 个图斑不在地类图层「{layer}」的覆盖范围内（地类面积全部为 0）：{ids}。请检查地类图层是否完整、是否选对了图层</source>
      <translation>{n} patches lie outside the coverage of land-use layer "{layer}" (all land-use areas are 0): {ids}. Check that the land-use layer is complete and the right one</translation>
    </message>
    <message>
      <source>{n} 个图斑有部分不被地类图层「{layer}」覆盖（地类图层有缝隙或图斑伸出其范围），共 {area:.2f}㎡：{where}。缺少地类的面积记在 landuse_gap_m2 字段</source>
      <translation>{n} patches are partly not covered by land-use layer "{layer}" (gaps in the layer, or patches reaching beyond it), {area:.2f} m² in all: {where}. The area without land use is in the landuse_gap_m2 field</translation>
    </message>
    <message>
      <source>{n} 个图斑没有几何或不在任何乡镇界线内，计入“未落入乡镇”：{ids}</source>
      <translation>{n} patches have no geometry or lie outside every township boundary and are counted under "未落入乡镇" (not in a township): {ids}</translation>
    </message>
    <message>
      <source>{n} 个图斑没有可量测的面积（area_m2 为 0 或空），未作认定（determination_code = undetermined，violation 为空）：{ids}。请核实图斑几何和坐标参考系后重新叠加分析</source>
      <translation>{n} patches have no measurable area (area_m2 is 0 or empty) and were not determined (determination_code = undetermined, violation empty): {ids}. Check the patch geometries and CRS, then run the overlay again</translation>
    </message>
    <message>
      <source>{n} 个图斑没有行政区代码和名称，计入“未落入乡镇”：{ids}</source>
      <translation>{n} patches have no administrative division code or name and are counted under "未落入乡镇" (not in a township): {ids}</translation>
    </message>
    <message>
      <source>{n} 个图斑的文书已登记送达：期限自送达之日计算并注明届满日期</source>
      <translation>{n} patches have documents recorded as served: their periods run from the service date and the end date is printed</translation>
    </message>
    <message>
      <source>{n} 份移送函已记入台账 {target}</source>
      <translation>{n} referral letters recorded in the register {target}</translation>
    </message>
    <message>
      <source>{path}：字段 {layer}.{field} 的中文名“{alias}”未写入（已被占用）</source>
      <translation>{path}: the Chinese name "{alias}" of field {layer}.{field} was not stored (name already taken)</translation>
    </message>
    <message>
      <source>{path}：无法按空间索引快速读取（{error}），改为逐要素读取</source>
      <translation>{path}: cannot read through the spatial index ({error}); reading feature by feature</translation>
    </message>
    <message>
      <source>{role}影像「{layer}」不是本地栅格文件（{src}），请先导出为 GeoTIFF。</source>
      <translation>The {role} image "{layer}" is not a local raster file ({src}); export it to GeoTIFF first.</translation>
    </message>
    <message>
      <source>{role}影像无法打开。</source>
      <translation>The {role} image cannot be opened.</translation>
    </message>
    <message>
      <source>{rule} 引用的字段 {field} 在输入图层中不存在，按规则的 if_absent 设置：{how}</source>
      <translation>{rule} uses field {field}, which the input layer does not have; as the rule's if_absent says: {how}</translation>
    </message>
    <message>
      <source>{rule} 的条件「{cond}」引用的字段 {field} 在输入图层中不存在（现有字段：{fields}）。请补充该字段（或在 [attributes] 中写明其别名），或在该规则中写明缺少该字段时如何判断：if_absent = "false"（条件不成立）、"true"（条件成立）或 "empty"（按空值判断）</source>
      <translation>The condition "{cond}" of {rule} uses field {field}, which the input layer does not have (its fields: {fields}). Add the field (or give its alias under [attributes]), or state in the rule how to judge without it: if_absent = "false" (the condition fails), "true" (it holds) or "empty" (read as empty)</translation>
    </message>
    <message>
      <source>{start} 至 {end} 漏报 {n} 次</source>
      <translation>Missed reports from {start} to {end}: {n}</translation>
    </message>
    <message>
      <source>{unit} {day}：{what}</source>
      <translation>{unit} {day}: {what}</translation>
    </message>
    <message>
      <source>{var} 是面积或比例，只能与数字比较</source>
      <translation>{var} is an area or a ratio and can only be compared with a number</translation>
    </message>
    <message>
      <source>……另有 {n} 条编号提示，见台账 id_note 字段</source>
      <translation>… {n} more id notes, see the register's id_note field</translation>
    </message>
    <message>
      <source>……详见日志</source>
      <translation>… see the log for details</translation>
    </message>
    <message>
      <source>「{alg}」未能完成：{msg}</source>
      <translation>"{alg}" did not complete: {msg}</translation>
    </message>
    <message>
      <source>「{alg}」运行出错（内部错误 {kind}：{msg}），未写出任何结果；详细信息已记入日志面板「两违一张图」，请将其发给维护人员。</source>
      <translation>"{alg}" failed (internal error {kind}: {msg}); no results were written. The details are in the log panel "两违一张图"; please send them to the maintainers.</translation>
    </message>
    <message>
      <source>「{code}」{parcels} 个地类图斑、{patches} 个图斑内 {area:.2f}㎡</source>
      <translation>"{code}": {parcels} parcels, {area:.2f} m² inside {patches} patches</translation>
    </message>
    <message>
      <source>一张图</source>
      <translation>One Map</translation>
    </message>
    <message>
      <source>一张图已更新：%d 个图层已在项目中，未重复加载</source>
      <translation>One map updated: %d layers were already in the project and were not loaded twice</translation>
    </message>
    <message>
      <source>一张图数据目录（TOML，取底图和影像）</source>
      <translation>One-map catalogue (TOML; base layers and imagery)</translation>
    </message>
    <message>
      <source>一张图项目</source>
      <translation>One-map project</translation>
    </message>
    <message>
      <source>一次完成：监测图斑与三调地类图斑、各保护区图层叠加分析（liangwei:overlaycheck）→ 规划认定（liangwei:determine）→ 每个图斑一份规划认定意见书、每个违法图斑一份责令限期整改通知书。输出文件夹中有 reports/、notices/、两份合并 PDF、叠加分析结果（overlay.gpkg、overlay_detail.gpkg）、认定结果（determination.gpkg）和索引表 index.csv（patch_id, document, number, file, pages）。再次运行同一输出文件夹时已完成的文书保留、编号不变；文书编号取自本局共用的编号登记库（NUMBER_REGISTRY，默认见该参数说明），各批次编号不重复。</source>
      <translation>Runs the whole review in one go: overlay of the monitoring patches with the third national land survey parcels and each protected area layer (liangwei:overlaycheck) → planning determination (liangwei:determine) → one planning opinion report per patch and one rectification notice per illegal patch. The output folder receives reports/, notices/, the two merged PDFs, the overlay results (overlay.gpkg, overlay_detail.gpkg), the determination results (determination.gpkg) and the index table index.csv (patch_id, document, number, file, pages). Running again into the same output folder keeps the documents already produced and their numbers; document numbers come from the bureau's shared number registry (NUMBER_REGISTRY, default as described there), so no two batches issue the same number.</translation>
    </message>
    <message>
      <source>三调地类图斑</source>
      <translation>Land-use parcels (third national land survey)</translation>
    </message>
    <message>
      <source>三调地类图斑图层</source>
      <translation>Land-use parcel layer (third national land survey)</translation>
    </message>
    <message>
      <source>上下卷帘</source>
      <translation>Top/bottom swipe</translation>
    </message>
    <message>
      <source>不填时依次为：文书配置 [numbering] registry；案件台账（GeoPackage）所在文件夹；QGIS 用户配置文件夹下的 liangwei/文书编号登记.sqlite。各批次、图斑导航共用同一编号序列。</source>
      <translation>When empty, in this order: [numbering] registry of the document configuration; the folder of the case register (GeoPackage); liangwei/文书编号登记.sqlite in the QGIS user profile folder. Every batch and the patch navigator share one number sequence.</translation>
    </message>
    <message>
      <source>不属于违法</source>
      <translation>not a violation</translation>
    </message>
    <message>
      <source>不属于违法的图斑登记后在认定阶段办结</source>
      <translation>Close patches determined as not a violation at the determination stage</translation>
    </message>
    <message>
      <source>不属于违法的认定不能有处理后果</source>
      <translation>a "not a violation" determination cannot have a consequence</translation>
    </message>
    <message>
      <source>两期影像变化检测…</source>
      <translation>Change detection from two epochs…</translation>
    </message>
    <message>
      <source>两期影像变化检测与示例县影像</source>
      <translation>Change detection from two epochs and the sample county's imagery</translation>
    </message>
    <message>
      <source>两期影像变化检测（自主发现候选图斑）</source>
      <translation>Change detection between two imagery epochs (self-found candidate patches)</translation>
    </message>
    <message>
      <source>两违一张图</source>
      <translation>Liangwei One Map</translation>
    </message>
    <message>
      <source>两违一张图审查</source>
      <translation>Liangwei one-map review</translation>
    </message>
    <message>
      <source>两违一张图设置</source>
      <translation>Liangwei One Map settings</translation>
    </message>
    <message>
      <source>两违一张图：字段中文名与面积显示</source>
      <translation>Liangwei one-map: Chinese field names and area display</translation>
    </message>
    <message>
      <source>两违案件台账：超期标红、办理中橙色、已办结灰色</source>
      <translation>Liangwei case register: overdue in red, in progress in orange, closed in grey</translation>
    </message>
    <message>
      <source>两违案件统计</source>
      <translation>Liangwei case statistics</translation>
    </message>
    <message>
      <source>为每个违法图斑（violation = 1）输出一份责令限期整改通知书（PDF，含存根页）：文书编号（按配置的序列编号，永不重号，续跑时同一图斑保持原编号）、当事人、违法事实、违反的规定、整改要求和期限（按认定结果计算）、接受处理的地点和时间、行政复议（60日）和行政诉讼（6个月）权利；限期拆除的附听证告知（5日内提出）。另输出合并 PDF 和索引表 index.csv。只为本机关有权处理（认定结果 competent_key 与文书配置 [authority] department 相同）且当事人已知的图斑出具通知书：其他部门职责的图斑出具移送函（referrals/ 子文件夹），当事人未查明的图斑列入待查明清单.csv，不编号。</source>
      <translation>One rectification notice (PDF with counterfoil page) per violation (violation = 1): document number (from the configured sequence, never reused, kept by a patch on a re-run), party, facts, provisions violated, what must be done and by when (from the determination), where and when to report, the rights to administrative reconsideration (60 days) and to sue (6 months); a hearing notice (within 5 days) for demolitions. Also a merged PDF and the index index.csv. Notices go only to cases this authority is competent for (the determination's competent_key equals [authority] department of the document configuration) and whose party is known: cases of other departments get a referral letter (subfolder referrals/), cases with an unknown party are listed in 待查明清单.csv and take no number.</translation>
    </message>
    <message>
      <source>为规划认定结果中的每个图斑输出一份规划认定意见书（PDF）：图斑编号与坐落、中心点坐标、前后时相影像对比图（红线为图斑范围）、位置示意图（规划分区与保护区）、叠加分析面积表（平方米和亩）、认定意见、适用规则与法律依据、责任部门、落款和盖章位置。另输出合并 PDF 和索引表 index.csv（patch_id, document, number, file, pages）。文书措辞、机关名称、编号格式在 resources/documents.toml 中配置。再次运行时已完成的文书保留（续跑）。</source>
      <translation>Exports one planning opinion report (规划认定意见书, PDF) for each patch in the determination results: patch number and location, centroid coordinates, before/after imagery comparison (patch outline in red), location map (planning zones and protected areas), overlay area table (m² and mu), the determination, the rule applied and its legal basis, responsible department, signature block and seal position. Also writes a merged PDF and the index table index.csv (patch_id, document, number, file, pages). Wording, authority names and number format are configured in resources/documents.toml. Running again keeps documents already produced (resume).</translation>
    </message>
    <message>
      <source>举证照片</source>
      <translation>Evidence photos</translation>
    </message>
    <message>
      <source>举证照片存放文件夹（空为台账旁）</source>
      <translation>Evidence photo folder (empty: beside the register)</translation>
    </message>
    <message>
      <source>举证照片文件夹</source>
      <translation>Evidence photo folder</translation>
    </message>
    <message>
      <source>乡镇</source>
      <translation>Township</translation>
    </message>
    <message>
      <source>乡镇代码</source>
      <translation>Township code</translation>
    </message>
    <message>
      <source>乡镇代码字段</source>
      <translation>Township code field</translation>
    </message>
    <message>
      <source>乡镇名称字段</source>
      <translation>Township name field</translation>
    </message>
    <message>
      <source>乡镇界线</source>
      <translation>Township boundaries</translation>
    </message>
    <message>
      <source>乡镇界线图层“{layer}”不是面图层（几何类型：{kind}）：图斑按面积最大部分分配到乡镇，需要乡镇界线面图层。请选择乡镇界线（面）图层，或不填该参数而按图斑的行政区代码/名称字段分组。</source>
      <translation>Township boundary layer "{layer}" is not a polygon layer (geometry type: {kind}): patches go to the township holding their largest part, which needs township polygons. Choose the township boundary (polygon) layer, or leave the parameter empty to group by the patches' division code/name fields.</translation>
    </message>
    <message>
      <source>乡镇界线图层“{layer}”中没有乡镇代码/名称字段（XZQDM/XZQMC 或其别名），请在参数中指定</source>
      <translation>Township boundary layer "{layer}" has no township code/name field (XZQDM/XZQMC or an alias). Please specify the fields in the parameters.</translation>
    </message>
    <message>
      <source>乡镇界线图层“{layer}”有 {n} 个要素没有几何，未参与分配</source>
      <translation>Township boundary layer "{layer}" has {n} features without geometry; they were not used for assignment.</translation>
    </message>
    <message>
      <source>互换</source>
      <translation>Swap</translation>
    </message>
    <message>
      <source>仅输出选中的图斑</source>
      <translation>Selected patches only</translation>
    </message>
    <message>
      <source>仍然打开</source>
      <translation>Open anyway</translation>
    </message>
    <message>
      <source>代码</source>
      <translation>code</translation>
    </message>
    <message>
      <source>以下保护区图层未归入任何类别，规则中不使用（可在规则文件 [kinds] 中添加）：{fields}</source>
      <translation>These protected area layers belong to no category and are not used by the rules (add them under [kinds] in the rule file): {fields}</translation>
    </message>
    <message>
      <source>位置示意图图层（规划分区、保护区等）</source>
      <translation>Location map layers (planning zones, protected areas, etc.)</translation>
    </message>
    <message>
      <source>作废一个误发的文书编号（如 ×自然资责改〔2026〕第17号）：编号登记库中保留该编号及作废时间、原因，该编号永不再发；原图斑下次输出文书时取得新编号。须注明作废原因。编号登记库不填时为本局共用的登记库（与文书输出算法相同）。</source>
      <translation>Voids a document number issued in error (e.g. ×自然资责改〔2026〕第17号): the number registry keeps the number with the time and reason it was voided, and the number is never issued again; the patch gets a new number when its document is next exported. A reason is required. Without a registry, the bureau's shared registry is used (the same as the document export algorithms).</translation>
    </message>
    <message>
      <source>作废原因</source>
      <translation>Reason for voiding</translation>
    </message>
    <message>
      <source>作废文书编号</source>
      <translation>Void document number</translation>
    </message>
    <message>
      <source>作废文书编号须注明原因</source>
      <translation>A reason is required to void a document number</translation>
    </message>
    <message>
      <source>保护区</source>
      <translation>Protected areas</translation>
    </message>
    <message>
      <source>保护区/规划管控图层</source>
      <translation>Protected area / planning control layer</translation>
    </message>
    <message>
      <source>保护区/规划管控图层（可多选，按图层名分别统计）</source>
      <translation>Protected area / planning control layers (multiple allowed, counted separately by layer name)</translation>
    </message>
    <message>
      <source>保护区及规划管控图层（生态保护红线、永久基本农田等）</source>
      <translation>Protected area and planning control layers (ecological protection red line, permanent basic farmland, etc.)</translation>
    </message>
    <message>
      <source>保留临时使用</source>
      <translation>Keep for temporary use</translation>
    </message>
    <message>
      <source>信访举报</source>
      <translation>Petition or report</translation>
    </message>
    <message>
      <source>修改</source>
      <translation>Modified</translation>
    </message>
    <message>
      <source>修改人</source>
      <translation>Modified by</translation>
    </message>
    <message>
      <source>修改时间</source>
      <translation>Modified at</translation>
    </message>
    <message>
      <source>候选图斑</source>
      <translation>Candidate patches</translation>
    </message>
    <message>
      <source>候选图斑 {n} 个（{types}），其中已下发 {known} 个；变化区域 {regions} 个，未作候选：{dropped}；用时 {s:.1f} 秒</source>
      <translation>{n} candidate patches ({types}), {known} of them already delivered; {regions} changed regions, not candidates: {dropped}; {s:.1f} s</translation>
    </message>
    <message>
      <source>全县违法占耕比：{ratio}（阈值 {t}%）</source>
      <translation>County illegal farmland occupation ratio: {ratio} (threshold {t}%)</translation>
    </message>
    <message>
      <source>全部</source>
      <translation>All</translation>
    </message>
    <message>
      <source>全部 {n} 件案件均被拒绝，台账未作任何修改：{reasons}</source>
      <translation>All {n} cases were refused; the register was not changed: {reasons}</translation>
    </message>
    <message>
      <source>全部乡镇</source>
      <translation>All townships</translation>
    </message>
    <message>
      <source>全部阶段</source>
      <translation>All stages</translation>
    </message>
    <message>
      <source>共 {n} 件案件转到“{stage}”</source>
      <translation>{n} cases moved to "{stage}"</translation>
    </message>
    <message>
      <source>共认定 {n} 个图斑：</source>
      <translation>Patches determined: {n}. </translation>
    </message>
    <message>
      <source>其中永久基本农田(㎡)</source>
      <translation>Of which permanent basic farmland (m²)</translation>
    </message>
    <message>
      <source>其中耕地(㎡)</source>
      <translation>Of which cultivated land (m²)</translation>
    </message>
    <message>
      <source>其他底图图层</source>
      <translation>Other base layers</translation>
    </message>
    <message>
      <source>内容</source>
      <translation>Value</translation>
    </message>
    <message>
      <source>农用地</source>
      <translation>Agricultural land</translation>
    </message>
    <message>
      <source>几何不是面（{kind}），面积按0计</source>
      <translation>Geometry is not a polygon ({kind}); area counted as 0</translation>
    </message>
    <message>
      <source>几何为空，面积按0计</source>
      <translation>Empty geometry; area counted as 0</translation>
    </message>
    <message>
      <source>几何无效（{reason}），修复后无面状部分，面积按0计</source>
      <translation>Invalid geometry ({reason}); no polygon part left after repair, area counted as 0</translation>
    </message>
    <message>
      <source>几何无效（{reason}），已用 make_valid 修复（保留全部面状部分）</source>
      <translation>Invalid geometry ({reason}); repaired with make_valid (all polygon parts kept)</translation>
    </message>
    <message>
      <source>分割线横向：上方前时相，下方后时相（再点一次恢复左右卷帘）</source>
      <translation>Horizontal divider: before epoch above, after epoch below (click again for left/right)</translation>
    </message>
    <message>
      <source>切换图斑时自动打开卷帘对比，分割线位于图斑中央</source>
      <translation>Turn on the swipe comparison when moving to a patch, with the divider through the patch</translation>
    </message>
    <message>
      <source>列出在统计日期仍未完成当前阶段的超期案件：所处阶段、期限、超期天数、责任角色（巡查人员/认定人员/拆除人员/监督人员）、责任单位，以及应移交纪委监委的事由和期限（新增违法未按时限整改到位：期限后15日内）。勾选“记入台账”时，同时在每件超期案件上标记效能问责并写入处置历史（每个阶段只记一次）。</source>
      <translation>Lists the cases that have not completed their current stage by the reference date: stage, deadline, days overdue, responsible role (patrol / determination / demolition / supervision staff), responsible unit, and the reason and deadline for referral to the discipline commission (new violations not rectified in time: within 15 days after the deadline). With "Record in the register" checked, each overdue case is also flagged for performance accountability and the flag is written to its disposal history (once per stage).</translation>
    </message>
    <message>
      <source>列出起止日期内（含）既未报告案件、也未提交“零报告”的网格单元和日期，用于督促巡查人员到岗到位。</source>
      <translation>Lists the grid units and dates within the period (inclusive) for which neither a case nor a "zero report" was submitted, so that patrol staff can be held to their rounds.</translation>
    </message>
    <message>
      <source>前时相</source>
      <translation>before-epoch</translation>
    </message>
    <message>
      <source>前时相影像</source>
      <translation>Before image (earlier epoch)</translation>
    </message>
    <message>
      <source>前时相（左/上）</source>
      <translation>Before (left/top)</translation>
    </message>
    <message>
      <source>办理中</source>
      <translation>In progress</translation>
    </message>
    <message>
      <source>办结</source>
      <translation>Closed</translation>
    </message>
    <message>
      <source>办结时间</source>
      <translation>Closed on</translation>
    </message>
    <message>
      <source>加载一张图</source>
      <translation>Load One Map</translation>
    </message>
    <message>
      <source>加载一张图…</source>
      <translation>Load One Map…</translation>
    </message>
    <message>
      <source>占</source>
      <translation>Occupies</translation>
    </message>
    <message>
      <source>占地面积(㎡)</source>
      <translation>Area occupied (m²)</translation>
    </message>
    <message>
      <source>占用耕地</source>
      <translation>Cultivated land occupied</translation>
    </message>
    <message>
      <source>卫片</source>
      <translation>Satellite monitoring</translation>
    </message>
    <message>
      <source>卷帘对比</source>
      <translation>Swipe Compare</translation>
    </message>
    <message>
      <source>卷帘对比时相</source>
      <translation>Swipe Compare Epochs</translation>
    </message>
    <message>
      <source>卷帘对比：拖动分割线比较前后两期影像或两个图层（左侧或上方为前时相）</source>
      <translation>Swipe compare: drag the divider to compare two imagery epochs or two layers (before on the left or at the top)</translation>
    </message>
    <message>
      <source>参数“{what}”：{msg}</source>
      <translation>Parameter "{what}": {msg}</translation>
    </message>
    <message>
      <source>参数「{what}」（{name}）的取值无效：{value}（文件不存在、无法打开、类型不对或必填项未填）</source>
      <translation>Parameter "{what}" ({name}) has an invalid value: {value} (file missing, cannot be opened, wrong type or a required value not given)</translation>
    </message>
    <message>
      <source>参数取值无效：{0}</source>
      <translation>Invalid parameter value: {0}</translation>
    </message>
    <message>
      <source>发文机关、案件台账、工作文件夹和文书选项</source>
      <translation>Issuing authority, case register, working folder and document options</translation>
    </message>
    <message>
      <source>发现/登记日期</source>
      <translation>Discovery/registration date</translation>
    </message>
    <message>
      <source>发现/登记日期（yyyy-mm-dd，空为今天）</source>
      <translation>Discovery/registration date (yyyy-mm-dd, empty = today)</translation>
    </message>
    <message>
      <source>发现报告</source>
      <translation>Discovery report</translation>
    </message>
    <message>
      <source>发现时间</source>
      <translation>Discovered on</translation>
    </message>
    <message>
      <source>取值 {text} 只能是数字、文字或文字列表</source>
      <translation>value {text} must be a number, a text or a list of texts</translation>
    </message>
    <message>
      <source>变更</source>
      <translation>Change</translation>
    </message>
    <message>
      <source>变量 violation 只能用于 [[route]] 的条件</source>
      <translation>the variable violation can only be used in [[route]] conditions</translation>
    </message>
    <message>
      <source>叠加分析、规划认定等功能</source>
      <translation>the overlay check, planning determination and related tools</translation>
    </message>
    <message>
      <source>叠加分析明细</source>
      <translation>Overlay details</translation>
    </message>
    <message>
      <source>叠加分析明细表（图斑叠加分析的明细输出）</source>
      <translation>Overlay detail table (detail output of the patch overlay analysis)</translation>
    </message>
    <message>
      <source>叠加分析结果</source>
      <translation>Overlay results</translation>
    </message>
    <message>
      <source>叠加分析结果（图斑叠加分析的输出）</source>
      <translation>Overlay results (output of the patch overlay analysis)</translation>
    </message>
    <message>
      <source>叠加分析：{n} 个图斑，{m} 条明细，面积计算方法：{method}</source>
      <translation>Overlay: {n} patches, {m} detail rows, area method: {method}</translation>
    </message>
    <message>
      <source>叠加图层「{layer}」…</source>
      <translation>Overlaying layer "{layer}"…</translation>
    </message>
    <message>
      <source>叠加明细表</source>
      <translation>Overlay detail table</translation>
    </message>
    <message>
      <source>叠加结果中所有图斑的建设用地、农用地、未利用地面积均为 0：叠加分析可能未使用三调地类图层，依赖地类的规则不会命中</source>
      <translation>Construction, agricultural and unused land areas are 0 for every patch in the overlay results: the overlay probably ran without the third national land survey layer, so rules that depend on land use will not match.</translation>
    </message>
    <message>
      <source>叠加结果中没有“{label}”类图层（按图层名识别），规则 {rules} 按其面积为 0 判定；如需使用，请在图斑叠加分析中加入该图层</source>
      <translation>The overlay results contain no "{label}" layer (recognised by layer name); rules {rules} treat its area as 0. To use it, add the layer to the patch overlay analysis.</translation>
    </message>
    <message>
      <source>叠加结果图斑</source>
      <translation>Overlay result patches</translation>
    </message>
    <message>
      <source>只导出该乡镇（名称或代码，空为全部）</source>
      <translation>Only this township (name or code; empty: all)</translation>
    </message>
    <message>
      <source>只有 {0} 条</source>
      <translation>only {0}</translation>
    </message>
    <message>
      <source>只有认定为违法的图斑才出具整改通知书</source>
      <translation>Rectification notices are issued only for patches determined as violations</translation>
    </message>
    <message>
      <source>台账</source>
      <translation>Register</translation>
    </message>
    <message>
      <source>台账 Excel 导出</source>
      <translation>the Excel ledger export</translation>
    </message>
    <message>
      <source>台账 {reg}：输入 {n} 个图斑，新登记 {a} 件（其中认定不属于违法并办结 {c} 件，编号冲突另行登记 {k} 件，无编号按图形登记 {e} 件），已在台账中（编号和图形相同）跳过 {s} 件</source>
      <translation>Register {reg}: {n} input patches; {a} new cases registered ({c} of them determined as not a violation and closed, {k} id conflicts registered as cases of their own, {e} without id registered by geometry); {s} already in the register (same id and geometry) were skipped</translation>
    </message>
    <message>
      <source>台账中没有以下图斑的案件，移送未记录：{ids}</source>
      <translation>The register has no case for these patches; their referral was not recorded: {ids}</translation>
    </message>
    <message>
      <source>台账共 {total} 件，超期 {overdue} 件；列表 {shown} 件{more}</source>
      <translation>Register: {total} cases, {overdue} overdue; {shown} listed{more}</translation>
    </message>
    <message>
      <source>台账图层数据源</source>
      <translation>Register layer data source</translation>
    </message>
    <message>
      <source>台账文件</source>
      <translation>Register file</translation>
    </message>
    <message>
      <source>合并 PDF</source>
      <translation>Merged PDF</translation>
    </message>
    <message>
      <source>合并 PDF（默认在输出文件夹中）</source>
      <translation>Merged PDF (in the output folder by default)</translation>
    </message>
    <message>
      <source>名称</source>
      <translation>name</translation>
    </message>
    <message>
      <source>后时相</source>
      <translation>After epoch</translation>
    </message>
    <message>
      <source>后时相影像</source>
      <translation>After image (later epoch)</translation>
    </message>
    <message>
      <source>后时相（右/下）</source>
      <translation>After (right/bottom)</translation>
    </message>
    <message>
      <source>图层 {0} 没有选中的要素，不输出文书</source>
      <translation>Layer {0} has no selected features; no documents exported.</translation>
    </message>
    <message>
      <source>图层 {0} 缺少字段 {1}：请输入 liangwei:determine 的输出</source>
      <translation>Layer {0} is missing fields {1}: please use the output of liangwei:determine as input.</translation>
    </message>
    <message>
      <source>图层“{layer}”中找不到乡镇{what}字段（{canonical} 或其别名），请在参数中指定</source>
      <translation>No township {what} field ({canonical} or an alias) found in layer "{layer}". Please specify it in the parameters.</translation>
    </message>
    <message>
      <source>图层“{layer}”中没有行政区代码/名称字段（XZQDM/XZQMC 或其别名）：请给出乡镇界线图层，或指定乡镇代码/名称字段</source>
      <translation>Layer "{layer}" has no administrative division code/name field (XZQDM/XZQMC or an alias): please give a township boundary layer or specify the township code/name fields.</translation>
    </message>
    <message>
      <source>图层“{layer}”没有 case_no（案件编号）字段，不是案件台账图层</source>
      <translation>Layer "{layer}" has no case_no (case number) field and is not a case register layer.</translation>
    </message>
    <message>
      <source>图层“{layer}”没有字段 {field}</source>
      <translation>Layer "{layer}" has no field {field}.</translation>
    </message>
    <message>
      <source>图层“{layer}”缺少叠加分析字段：{fields}。请先对图斑运行“图斑叠加分析”（liangwei:overlaycheck），再以其输出作为本算法的输入。</source>
      <translation>Layer "{layer}" is missing overlay fields: {fields}. Run "Patch overlay analysis" (liangwei:overlaycheck) on the patches first and use its output as the input of this algorithm.</translation>
    </message>
    <message>
      <source>图层“{layer}”缺少字段：{fields}。请先运行“图斑叠加分析”（liangwei:overlaycheck）和“规划认定”（liangwei:determine），再以认定结果作为输入。</source>
      <translation>Layer "{layer}" is missing fields: {fields}. Run "Patch overlay analysis" (liangwei:overlaycheck) and "Planning determination" (liangwei:determine) first and use the determination results as input.</translation>
    </message>
    <message>
      <source>图层“{layer}”要素 {fid}（{pid}）不是面图形</source>
      <translation>Layer "{layer}" feature {fid} ({pid}) is not a polygon.</translation>
    </message>
    <message>
      <source>图层“{layer}”要素 {fid}（{pid}）没有图形，案件登记为无图形</source>
      <translation>Layer "{layer}" feature {fid} ({pid}) has no geometry; the case is registered without geometry.</translation>
    </message>
    <message>
      <source>图层“{layer}”：{error}</source>
      <translation>Layer "{layer}": {error}</translation>
    </message>
    <message>
      <source>图层「{layer}」不是矢量面图层。</source>
      <translation>Layer "{layer}" is not a polygon vector layer.</translation>
    </message>
    <message>
      <source>图层「{layer}」不是矢量面图层（{role}需要面图层）。</source>
      <translation>Layer "{layer}" is not a polygon vector layer ({role} requires a polygon layer).</translation>
    </message>
    <message>
      <source>图层「{layer}」不是面图层（几何类型：{kind}），{role}需要面图层。</source>
      <translation>Layer "{layer}" is not a polygon layer (geometry type: {kind}); {role} requires a polygon layer.</translation>
    </message>
    <message>
      <source>图层「{layer}」不是面图层（几何类型：{types}），叠加分析只接受面图层。</source>
      <translation>Layer "{layer}" is not a polygon layer (geometry type: {types}); the overlay analysis accepts polygon layers only.</translation>
    </message>
    <message>
      <source>图层「{layer}」与图斑相交的要素中有 {n} 个无效几何，已用 make_valid 修复</source>
      <translation>Layer "{layer}": {n} features intersecting the patches had invalid geometry and were repaired with make_valid.</translation>
    </message>
    <message>
      <source>图层「{layer}」已从 {src} 投影到 {dst}</source>
      <translation>Layer "{layer}" reprojected from {src} to {dst}</translation>
    </message>
    <message>
      <source>图层「{layer}」无法打开：{src}</source>
      <translation>Layer "{layer}" cannot be opened: {src}</translation>
    </message>
    <message>
      <source>图层「{layer}」有 {n} 个图斑没有面状几何，已保留并按面积 0 计</source>
      <translation>Layer "{layer}" has {n} patches without polygon geometry; they are kept with an area of 0.</translation>
    </message>
    <message>
      <source>图层「{layer}」有 {n} 个要素的坐标不是有效数值（NaN 或无穷大）：{ids}。请修正或删除这些要素后重试。</source>
      <translation>Layer "{layer}" has {n} features whose coordinates are not valid numbers (NaN or infinite): {ids}. Fix or delete them and try again.</translation>
    </message>
    <message>
      <source>图层「{layer}」有 {n} 个重复的图斑编号：{ids}（全部保留，重复者加 #序号）</source>
      <translation>Layer "{layer}" has {n} duplicate patch numbers: {ids} (all kept; duplicates get a #n suffix)</translation>
    </message>
    <message>
      <source>图层「{layer}」没有图斑编号字段。可接受的字段名：{accepted}（见 resources/field_mapping.toml）；图层现有字段：{present}。请在“图斑编号字段”参数中指定。</source>
      <translation>Layer "{layer}" has no patch number field. Accepted field names: {accepted} (see resources/field_mapping.toml); fields in the layer: {present}. Please set the "Patch number field" parameter.</translation>
    </message>
    <message>
      <source>图层「{layer}」没有坐标参考系。</source>
      <translation>Layer "{layer}" has no coordinate reference system.</translation>
    </message>
    <message>
      <source>图层「{layer}」没有坐标参考系，也没有可用于判断的坐标：请在图层属性中设置坐标参考系。</source>
      <translation>Layer "{layer}" has no CRS and no coordinates to judge one by: set its CRS in the layer properties.</translation>
    </message>
    <message>
      <source>图层「{layer}」没有坐标参考系，无法计算面积。</source>
      <translation>Layer "{layer}" has no coordinate reference system; areas cannot be calculated.</translation>
    </message>
    <message>
      <source>图层「{layer}」没有坐标参考系，无法计算面积。坐标范围 {bounds}；{hint}。请在图层属性（或 .prj 文件）中设置正确的坐标参考系后重试。</source>
      <translation>Layer "{layer}" has no CRS; areas cannot be computed. Coordinate range {bounds}; {hint}. Set the correct CRS in the layer properties (or the .prj file) and try again.</translation>
    </message>
    <message>
      <source>图层「{layer}」没有坐标参考系；按坐标范围 {bounds} 判断为 {crs}，已按此计算。如不正确，请在图层属性中设置坐标参考系。</source>
      <translation>Layer "{layer}" has no CRS; from its coordinate range {bounds} it is {crs}, and was computed as such. If that is wrong, set the CRS in the layer properties.</translation>
    </message>
    <message>
      <source>图层「{layer}」没有字段「{field}」</source>
      <translation>Layer "{layer}" has no field "{field}".</translation>
    </message>
    <message>
      <source>图层「{layer}」没有字段「{field}」；现有字段：{present}</source>
      <translation>Layer "{layer}" has no field "{field}"; fields present: {present}</translation>
    </message>
    <message>
      <source>图层「{layer}」没有要素。</source>
      <translation>Layer "{layer}" has no features.</translation>
    </message>
    <message>
      <source>图层「{layer}」的坐标不可能属于其坐标参考系 {crs}：{what}（坐标范围 {bounds}）。{hint}。请在图层属性中改正坐标参考系（“设置图层坐标参考系”，不是重投影），再运行。</source>
      <translation>The coordinates of layer "{layer}" cannot belong to its CRS {crs}: {what} (coordinate range {bounds}). {hint}. Correct the CRS in the layer properties ("Set layer CRS", not a reprojection) and run again.</translation>
    </message>
    <message>
      <source>图层「{layer}」的经纬度顺序颠倒：X 为纬度、Y 为经度（坐标范围 {bounds}）。请交换坐标顺序（X = 经度，Y = 纬度）后重试。</source>
      <translation>Layer "{layer}" has latitude and longitude swapped: X is latitude, Y longitude (coordinate range {bounds}). Swap the axes (X = longitude, Y = latitude) and try again.</translation>
    </message>
    <message>
      <source>图层「{layer}」的范围 {lb} 与图层「{patches}」的范围 {pb} 完全不重叠（相距约 {km:.1f} 公里）</source>
      <translation>The extent {lb} of layer "{layer}" does not overlap the extent {pb} of layer "{patches}" at all (about {km:.1f} km apart)</translation>
    </message>
    <message>
      <source>图层「{layer}」的要素都没有几何。</source>
      <translation>None of the features in layer "{layer}" has a geometry.</translation>
    </message>
    <message>
      <source>图斑 {0}：{1}</source>
      <translation>Patch {0}: {1}</translation>
    </message>
    <message>
      <source>图斑 {0}：按外业核查认定（{1} {2}）</source>
      <translation>Patch {0}: determined by the on-site check ({1} {2})</translation>
    </message>
    <message>
      <source>图斑 {id} {area:.2f}㎡（{at}）</source>
      <translation>patch {id} {area:.2f} m² ({at})</translation>
    </message>
    <message>
      <source>图斑 {id} 内 {area:.2f}㎡（{at}）</source>
      <translation>{area:.2f} m² in patch {id} ({at})</translation>
    </message>
    <message>
      <source>图斑 {id}：{note}</source>
      <translation>Patch {id}: {note}</translation>
    </message>
    <message>
      <source>图斑不在地类图层范围内，地类面积为 0</source>
      <translation>Patch outside the land-use layer; land-use areas are 0</translation>
    </message>
    <message>
      <source>图斑叠加分析</source>
      <translation>Patch overlay analysis</translation>
    </message>
    <message>
      <source>图斑叠加分析…</source>
      <translation>Patch Overlay Analysis…</translation>
    </message>
    <message>
      <source>图斑导航</source>
      <translation>Patch Navigator</translation>
    </message>
    <message>
      <source>图斑尚无认定结果：请先运行规划认定</source>
      <translation>The patch has no determination yet: run the planning determination first</translation>
    </message>
    <message>
      <source>图斑数</source>
      <translation>Number of patches</translation>
    </message>
    <message>
      <source>图斑标识</source>
      <translation>Patch identity</translation>
    </message>
    <message>
      <source>图斑编号「{id}」重复（第 {k} 次出现），明细中记为「{new}」</source>
      <translation>Duplicate patch number "{id}" (occurrence {k}); recorded as "{new}" in the details</translation>
    </message>
    <message>
      <source>图斑编号为空（第 {row} 行），记为「{new}」</source>
      <translation>Patch number empty (row {row}), recorded as "{new}"</translation>
    </message>
    <message>
      <source>图斑编号为空，以行号 {row} 代替</source>
      <translation>Empty patch number; row number {row} used instead</translation>
    </message>
    <message>
      <source>图斑编号字段（默认 JCBH 等）</source>
      <translation>Patch number field (default JCBH etc.)</translation>
    </message>
    <message>
      <source>图斑编号字段（默认 JCBH、TBBH、BSM 中第一个存在的）</source>
      <translation>Patch number field (default: the first of JCBH, TBBH, BSM present)</translation>
    </message>
    <message>
      <source>图斑面积</source>
      <translation>Patch area</translation>
    </message>
    <message>
      <source>在地图上点击图斑，在导航中打开它</source>
      <translation>Click a patch on the map to open it in the navigator</translation>
    </message>
    <message>
      <source>地类图层「{layer}」有地类编码表（resources/landuse_codes.toml）中没有的或为空的地类编码：{codes}。这些面积不计入耕地和三大类，记在 landuse_unknown_m2 字段和明细表中；请核对地类编码</source>
      <translation>Land-use layer "{layer}" has codes that the code table (resources/landuse_codes.toml) does not know, or empty codes: {codes}. These areas count in neither 耕地 nor the three land groups; they are in the landuse_unknown_m2 field and the detail table. Check the codes</translation>
    </message>
    <message>
      <source>地类图层「{layer}」没有地类编码字段「{field}」；现有字段：{present}</source>
      <translation>Land-use layer "{layer}" has no land-use code field "{field}"; fields present: {present}</translation>
    </message>
    <message>
      <source>地类图层「{layer}」没有地类编码字段（DLBM 及其别名）；现有字段：{present}</source>
      <translation>Land-use layer "{layer}" has no land-use code field (DLBM or an alias); its fields: {present}</translation>
    </message>
    <message>
      <source>地类图层「{layer}」的地类图斑相互重叠：{n} 个图斑内共 {area:.2f}㎡ 被重复覆盖，重叠部分只计一次（计入图层中靠前的地类图斑）：{where}。请检查地类图层的拓扑</source>
      <translation>Parcels of land-use layer "{layer}" overlap: {area:.2f} m² inside {n} patches is covered twice; the overlap is counted once (for the parcel earlier in the layer): {where}. Check the topology of the land-use layer</translation>
    </message>
    <message>
      <source>地类图层「{layer}」的地类编码缺少前导零（字段可能存成了数字），已补齐后按地类编码表分类：{codes}；请将该字段改为文本并补齐编码</source>
      <translation>Land-use layer "{layer}" has codes without their leading zero (the field was probably stored as a number); they were restored and classed by the code table: {codes}. Make the field text and restore the codes</translation>
    </message>
    <message>
      <source>地类图斑相互重叠 {area:.2f}㎡，只计一次</source>
      <translation>land-use parcels overlap by {area:.2f} m², counted once</translation>
    </message>
    <message>
      <source>地类编码字段</source>
      <translation>Land-use code field</translation>
    </message>
    <message>
      <source>地类编码字段（默认 DLBM）</source>
      <translation>Land-use code field (default DLBM)</translation>
    </message>
    <message>
      <source>坐标含无效数字（NaN 或无穷大），无法计算面积，面积按0计；请修正该几何</source>
      <translation>The coordinates contain invalid numbers (NaN or infinity); the area cannot be calculated and is counted as 0. Please fix the geometry.</translation>
    </message>
    <message>
      <source>坐标看起来属于 {crs}（EPSG:{code}）</source>
      <translation>the coordinates look like {crs} (EPSG:{code})</translation>
    </message>
    <message>
      <source>坐标看起来是不带带号的高斯-克吕格投影坐标（米），中央经线需按本地实际选择，如 CGCS2000 / 3-degree Gauss-Kruger CM 117E（EPSG:4548）</source>
      <translation>the coordinates look like Gauss-Krüger metres without zone prefix; choose the local central meridian, e.g. CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548)</translation>
    </message>
    <message>
      <source>坐落单位</source>
      <translation>Located in</translation>
    </message>
    <message>
      <source>填写时，每份移送函（移送部门、文号、日期）记入台账中该图斑案件的处置历史；未登记的图斑跳过。已登记送达的文书重新输出时，注明送达日期，期限写明届满日期（自送达之日起计算）。</source>
      <translation>When given, every referral letter (department, number, date) is recorded in the history of the patch's case in the register; patches not registered are skipped. Documents recorded as served are reprinted with their service date, and each period with the date it ends (counted from service).</translation>
    </message>
    <message>
      <source>填报人</source>
      <translation>Reported by</translation>
    </message>
    <message>
      <source>填报单位（空为文书配置的发文机关，或留空手填）</source>
      <translation>Reporting unit (empty: the issuing authority of the document settings, or left blank to fill in by hand)</translation>
    </message>
    <message>
      <source>增量</source>
      <translation>New</translation>
    </message>
    <message>
      <source>处理</source>
      <translation>Handling</translation>
    </message>
    <message>
      <source>处理方式</source>
      <translation>Disposal</translation>
    </message>
    <message>
      <source>处罚决定日期</source>
      <translation>Penalty decision date</translation>
    </message>
    <message>
      <source>处置人</source>
      <translation>Handled by</translation>
    </message>
    <message>
      <source>处置方式</source>
      <translation>Disposal method</translation>
    </message>
    <message>
      <source>处置日期</source>
      <translation>Disposal date</translation>
    </message>
    <message>
      <source>处置日期（yyyy-mm-dd，空为今天）</source>
      <translation>Disposal date (yyyy-mm-dd, empty = today)</translation>
    </message>
    <message>
      <source>处置目标期限</source>
      <translation>Disposal target date</translation>
    </message>
    <message>
      <source>处置说明；认定不属于违法时须写明证明材料</source>
      <translation>Disposal note; state the supporting evidence when determining "not a violation"</translation>
    </message>
    <message>
      <source>处置阶段</source>
      <translation>Stage</translation>
    </message>
    <message>
      <source>备注</source>
      <translation>Remarks</translation>
    </message>
    <message>
      <source>外业核查</source>
      <translation>On-site verification</translation>
    </message>
    <message>
      <source>外业核查包导入</source>
      <translation>Import field package</translation>
    </message>
    <message>
      <source>外业核查包导入…</source>
      <translation>Import field package…</translation>
    </message>
    <message>
      <source>外业核查包导出</source>
      <translation>Export field package</translation>
    </message>
    <message>
      <source>外业核查包导出（QField）…</source>
      <translation>Export field package (QField)…</translation>
    </message>
    <message>
      <source>外业核查包文件夹</source>
      <translation>Field package folder</translation>
    </message>
    <message>
      <source>外业核查包（文件夹或 .qgz）</source>
      <translation>Field package (folder or .qgz)</translation>
    </message>
    <message>
      <source>外业核查项目（.qgz）</source>
      <translation>Field project (.qgz)</translation>
    </message>
    <message>
      <source>失败份数</source>
      <translation>Documents failed</translation>
    </message>
    <message>
      <source>媒体反映</source>
      <translation>Media report</translation>
    </message>
    <message>
      <source>字段中文名未能写入输出文件：{error}</source>
      <translation>The Chinese field names could not be written into the output file: {error}</translation>
    </message>
    <message>
      <source>存量</source>
      <translation>Existing</translation>
    </message>
    <message>
      <source>存量/增量</source>
      <translation>Existing/new</translation>
    </message>
    <message>
      <source>完善手续</source>
      <translation>Complete the approvals</translation>
    </message>
    <message>
      <source>完成：{n} 个图斑，{m} 条明细，面积计算方法：{method}</source>
      <translation>Done: {n} patches, {m} detail rows, area method: {method}</translation>
    </message>
    <message>
      <source>审查</source>
      <translation>Review</translation>
    </message>
    <message>
      <source>审查分析</source>
      <translation>Review and Analysis</translation>
    </message>
    <message>
      <source>审查摘要</source>
      <translation>Review summary</translation>
    </message>
    <message>
      <source>审查本图</source>
      <translation>Review this map</translation>
    </message>
    <message>
      <source>审查本图…</source>
      <translation>Review this map…</translation>
    </message>
    <message>
      <source>审核人</source>
      <translation>Reviewed by</translation>
    </message>
    <message>
      <source>对当前一张图一次完成审查：监测图斑叠加分析（liangwei:overlaycheck）→ 规划认定（liangwei:determine）→ 登记案件（liangwei:registercases，设置了案件台账时）→ 规划认定意见书和责令限期整改通知书。从菜单打开时，图层按一张图的角色预先填好（监测图斑、三调地类图斑、全部保护区图层、影像时相），台账和文书配置取自“设置”，输出到工作文件夹；结果放入一张图的分组。运行结束给出一份摘要（图斑数和面积、各认定结论的图斑数、登记的案件数、文书份数），也写入输出文件夹的 审查摘要.txt。</source>
      <translation>Reviews the current one map in one run: overlay check of the monitoring patches (liangwei:overlaycheck) → planning determination (liangwei:determine) → case registration (liangwei:registercases, when a case register is set) → planning-opinion reports and rectification notices. Opened from the menu, the layers are pre-filled from the one map's roles (monitoring patches, land-use survey parcels, every protected layer, imagery epochs), the register and document configuration come from Settings and the outputs go into the working folder; the results are placed in the one map's groups. At the end one summary is shown (patches and area, patches per determination, cases registered, documents written) and written to 审查摘要.txt in the output folder.</translation>
    </message>
    <message>
      <source>导入的照片数</source>
      <translation>Photos taken in</translation>
    </message>
    <message>
      <source>导出新增违法违规问题台账</source>
      <translation>Export register of new violations</translation>
    </message>
    <message>
      <source>导出新增违法违规问题台账…</source>
      <translation>Export Ledger of New Violations…</translation>
    </message>
    <message>
      <source>尚可采取改正措施</source>
      <translation>correctable</translation>
    </message>
    <message>
      <source>巡查人员（必填）</source>
      <translation>Patrol officer (required)</translation>
    </message>
    <message>
      <source>已下发的监测图斑（用于标记已知图斑）</source>
      <translation>Monitoring patches already issued (to mark known patches)</translation>
    </message>
    <message>
      <source>已作废{title} {number}（图斑 {key}）：{reason}；登记库 {path}</source>
      <translation>Voided {title} {number} (patch {key}): {reason}; registry {path}</translation>
    </message>
    <message>
      <source>已作废的编号</source>
      <translation>Voided number</translation>
    </message>
    <message>
      <source>已办结</source>
      <translation>Closed</translation>
    </message>
    <message>
      <source>已加载 %d 个图层</source>
      <translation>Loaded %d layers</translation>
    </message>
    <message>
      <source>已取消</source>
      <translation>Canceled</translation>
    </message>
    <message>
      <source>已取消，台账未作任何修改</source>
      <translation>Canceled; the register was not changed.</translation>
    </message>
    <message>
      <source>已取消；再次运行将续跑</source>
      <translation>Canceled; running again will resume.</translation>
    </message>
    <message>
      <source>已取消；已完成的文书保留，再次运行将续跑</source>
      <translation>Canceled; documents already produced are kept and running again will resume.</translation>
    </message>
    <message>
      <source>已在台账中（跳过）</source>
      <translation>Already in the register (skipped)</translation>
    </message>
    <message>
      <source>已完成：</source>
      <translation>Done: </translation>
    </message>
    <message>
      <source>已转到“{stage}”：{n} 件</source>
      <translation>Moved to "{stage}": {n} cases</translation>
    </message>
    <message>
      <source>已转换 {a} 件，拒绝 {r} 件</source>
      <translation>Cases moved: {a}; refused: {r}</translation>
    </message>
    <message>
      <source>已转换案件数</source>
      <translation>Cases moved</translation>
    </message>
    <message>
      <source>平面面积</source>
      <translation>Planar area</translation>
    </message>
    <message>
      <source>平面面积（图层投影坐标系）</source>
      <translation>Planar area (layer projected CRS)</translation>
    </message>
    <message>
      <source>平面面积（投影坐标）</source>
      <translation>Planar area (projected coordinates)</translation>
    </message>
    <message>
      <source>并发冲突</source>
      <translation>Concurrent Edit Conflict</translation>
    </message>
    <message>
      <source>并发冲突，{what}：{msg}</source>
      <translation>Concurrent edit conflict, {what}: {msg}</translation>
    </message>
    <message>
      <source>应移交纪委监委</source>
      <translation>To be referred to the discipline commission</translation>
    </message>
    <message>
      <source>建设用地</source>
      <translation>Construction land</translation>
    </message>
    <message>
      <source>开始日期</source>
      <translation>Start date</translation>
    </message>
    <message>
      <source>开始日期（空为今天）</source>
      <translation>Start date (empty = today)</translation>
    </message>
    <message>
      <source>当事人</source>
      <translation>Party</translation>
    </message>
    <message>
      <source>当事人为党员干部/公职人员</source>
      <translation>Party is a Party member or public official</translation>
    </message>
    <message>
      <source>当事人类别</source>
      <translation>party kind</translation>
    </message>
    <message>
      <source>当前阶段</source>
      <translation>Current stage</translation>
    </message>
    <message>
      <source>当日发现的案件编号（空 = 零报告）</source>
      <translation>Case numbers found that day (empty = zero report)</translation>
    </message>
    <message>
      <source>影像时相（取最新两期为前、后时相）</source>
      <translation>Imagery epochs (the latest two become before/after)</translation>
    </message>
    <message>
      <source>影像时相（栅格）</source>
      <translation>Imagery epochs (raster)</translation>
    </message>
    <message>
      <source>影像时相（栅格，日期取自 catalogue.csv、文件名或元数据）</source>
      <translation>Imagery epochs (raster; dates from catalogue.csv, file names or metadata)</translation>
    </message>
    <message>
      <source>影像时相：{0} {1}</source>
      <translation>Imagery epoch: {0} {1}</translation>
    </message>
    <message>
      <source>必须是 0–100 之间的百分数</source>
      <translation>must be a percentage between 0 and 100</translation>
    </message>
    <message>
      <source>必须是 1 或 0</source>
      <translation>must be 1 or 0</translation>
    </message>
    <message>
      <source>必须是 [departments] 中的部门键（{keys}），实为 {value!r}</source>
      <translation>must be a department key from [departments] ({keys}), got {value!r}</translation>
    </message>
    <message>
      <source>必须是 {codes} 之一，实为 {value!r}</source>
      <translation>must be one of {codes}, got {value!r}</translation>
    </message>
    <message>
      <source>必须是 {values} 之一，实为 {value!r}</source>
      <translation>must be one of {values}, got {value!r}</translation>
    </message>
    <message>
      <source>必须是 {{ default = ["《法律》第N条"], villager = […] }}</source>
      <translation>must be {{ default = ["《Law》第N条"], villager = […] }}</translation>
    </message>
    <message>
      <source>必须是关键字列表</source>
      <translation>must be a list of keywords</translation>
    </message>
    <message>
      <source>必须是图层名称关键字列表</source>
      <translation>must be a list of layer name keywords</translation>
    </message>
    <message>
      <source>必须是字段别名列表</source>
      <translation>must be a list of field aliases</translation>
    </message>
    <message>
      <source>必须是数字，实为 {value!r}</source>
      <translation>must be a number, got {value!r}</translation>
    </message>
    <message>
      <source>必须是文字</source>
      <translation>must be text</translation>
    </message>
    <message>
      <source>必须是条件列表</source>
      <translation>must be a list of conditions</translation>
    </message>
    <message>
      <source>必须是条文列表，每条形如 "《法律全称》第N条"</source>
      <translation>must be a list of provisions, each like "《full name of the law》第N条"</translation>
    </message>
    <message>
      <source>必须是表</source>
      <translation>must be a table</translation>
    </message>
    <message>
      <source>必须是表（label、patterns、exclude）</source>
      <translation>must be a table (label, patterns, exclude)</translation>
    </message>
    <message>
      <source>必须是表：字段名 = ["别名", …]</source>
      <translation>must be a table: field_name = ["alias", …]</translation>
    </message>
    <message>
      <source>必须是部门键，或 {{ default = "部门键", villager = … }}</source>
      <translation>must be a department key, or {{ default = "key", villager = … }}</translation>
    </message>
    <message>
      <source>必须是非空文字</source>
      <translation>must be non-empty text</translation>
    </message>
    <message>
      <source>必须是非空的图层名称关键字列表</source>
      <translation>must be a non-empty list of layer name keywords</translation>
    </message>
    <message>
      <source>快速认定</source>
      <translation>Quick determination</translation>
    </message>
    <message>
      <source>意见书份数</source>
      <translation>Opinion reports</translation>
    </message>
    <message>
      <source>或：台账图层（可只用选中要素）</source>
      <translation>Or: register layer (can be limited to selected features)</translation>
    </message>
    <message>
      <source>或：当前处于该阶段的全部案件</source>
      <translation>Or: all cases currently at this stage</translation>
    </message>
    <message>
      <source>所属乡镇（新单元时填写）</source>
      <translation>Township (for a new unit)</translation>
    </message>
    <message>
      <source>所选案件没有图形</source>
      <translation>The selected case has no geometry.</translation>
    </message>
    <message>
      <source>打开“{0}”</source>
      <translation>Open “{0}”</translation>
    </message>
    <message>
      <source>打开两违一张图用户指南（离线帮助）</source>
      <translation>Open the Liangwei One Map user guide (offline help)</translation>
    </message>
    <message>
      <source>打开或新建案件台账</source>
      <translation>Open or Create Case Register</translation>
    </message>
    <message>
      <source>打开文件</source>
      <translation>Open file</translation>
    </message>
    <message>
      <source>打开文件夹</source>
      <translation>Open folder</translation>
    </message>
    <message>
      <source>打开案件台账：筛选、查看处置历史、推进阶段、超期标红</source>
      <translation>Open the case register: filter cases, view disposal history, advance stages, overdue cases in red</translation>
    </message>
    <message>
      <source>批量审查并输出文书</source>
      <translation>Batch review and export documents</translation>
    </message>
    <message>
      <source>批量审查并输出文书…</source>
      <translation>Batch Review and Export Documents…</translation>
    </message>
    <message>
      <source>把 QField 填好的外业核查包（文件夹或其中的 .qgz）导入案件台账：每个有核查结论的图斑在案件处置历史中记一条外业核查（处置人为核查人，日期为核查时间，含结论和描述），项目主体记为当事人，新增/存量记入案件；照片复制到台账旁的举证照片文件夹（按案件分），读取 EXIF 中的拍摄位置、时间和方向，检查是否在图斑边界设定距离内（默认 100 米）、是否晚于后时相影像日期；未通过的照片保留并标明原因。重复导入同一个包不会重复记录。来自其他台账的包整包拒绝，不写入任何内容。</source>
      <translation>Imports a field package filled in QField (the folder or its .qgz) into the case register: every patch with a conclusion gets an on-site verification entry in its case history (actor = inspector, date = verification time, with conclusion and description); the project owner becomes the party and new/stock is recorded on the case. Photos are copied into the evidence folder beside the register (one folder per case); their EXIF position, time and direction are read and checked: within the set distance of the patch boundary (default 100 m) and taken after the later imagery date. Photos failing a check are kept and flagged with the reason. Importing the same package again records nothing twice. A package from another register is refused as a whole, nothing is written.</translation>
    </message>
    <message>
      <source>把“规划认定”（liangwei:determine）的结果图斑登记为案件台账中的案件：每个图斑一案。图斑按监测编号和图形识别：编号已在台账中且图形相同的跳过（重复运行不会重复登记）；编号相同而图形不同的是编号冲突，另行登记为新案件并逐条提示（不跳过）；没有编号的按图形登记。新案件进入“快速认定”阶段，期限按流程配置（resources/workflow.toml）计算；认定不属于违法的图斑同时登记并在认定阶段办结（计入违法占耕比的分母）。台账可以是 GeoPackage 文件（不存在时创建）或 PostgreSQL/PostGIS 数据库。</source>
      <translation>Registers the patches from "Planning determination" (liangwei:determine) as cases in the case register: one case per patch. Patches are identified by monitoring number and geometry: a number already in the register with the same geometry is skipped (running again never registers a patch twice); the same number with a different geometry is an id conflict, registered as a new case and reported one by one (never skipped); patches without a number are registered by their geometry. New cases enter the "quick determination" stage with deadlines from the workflow configuration (resources/workflow.toml); patches determined as not a violation are registered too and closed at the determination stage (they count in the denominator of the illegal farmland occupation ratio). The register can be a GeoPackage file (created if missing) or a PostgreSQL/PostGIS database.</translation>
    </message>
    <message>
      <source>把监测图斑（或规划认定结果）导出为 QField 可直接打开的外业核查包（文件夹）：相对路径的 .qgz 项目，外业核查.gpkg（每个图斑一行的“外业核查”图层：核查结论、现场核查描述、项目名称、项目主体、建设时间、新增/存量、核查人、核查时间；“核查照片”表，照片存于 DCIM 文件夹，一个图斑可拍多张），以及裁剪到图斑周边的底图（监测图斑及其叠加分析和认定结果、永久基本农田、生态保护红线、三调地类）和前、后时相两期影像（压缩并建金字塔，适合手机）。底图和影像可取自一张图数据目录，影像也可单独指定。指定案件台账时，包中记下每个图斑的案件编号，导入时据此拒绝其他台账。依据自然资发〔2023〕258号：监测图斑只是线索，须经外业核查举证后方可认定。</source>
      <translation>Exports monitoring patches (or determination results) as a field package (a folder) that QField opens as it is: a .qgz project with relative paths; 外业核查.gpkg with the layer 外业核查 (one row per patch: conclusion, on-site description, project name, project owner, build time, new/stock, inspector, verification time) and the table 核查照片 (photos stored in the DCIM folder, several per patch); base layers clipped to the patches' surroundings (the patches with their overlay figures and determination, permanent basic farmland, ecological red line, land use) and the before/after imagery epochs (compressed, with overviews, small enough for a phone). Base layers and imagery can come from a one-map catalogue; imagery can also be given separately. With a case register the package records each patch's case number, and the import refuses any other register. Per 自然资发〔2023〕258号 a monitoring patch is only a lead: an on-site check with evidence must come before a determination.</translation>
    </message>
    <message>
      <source>把选定的案件转到目标处置阶段（发现报告→快速认定→拆除整治→监督检查→办结；不属于违法的在快速认定阶段办结；监督检查未拆除到位的可退回拆除整治），每次转换记录日期、处置人和说明，写入只增不改的处置历史。案件可按编号（案件编号或监测编号，逗号/空格/换行分隔）、台账图层中的选中要素，或按当前阶段和乡镇筛选。不合法的转换逐件拒绝并说明原因；超过阶段期限的转换自动标记效能问责。“整批提交”时所有转换在一个事务中完成，中途出错或中断则全部不生效。</source>
      <translation>Moves the chosen cases to the target disposal stage (discovery report → quick determination → demolition and remediation → supervision and inspection → closed; cases that are not a violation are closed at quick determination; cases whose demolition is found incomplete at inspection can be sent back to demolition and remediation). Each move records the date, the person handling it and a note in the append-only disposal history. Cases are chosen by number (case or monitoring numbers separated by commas, spaces or new lines), by the selected features of a register layer, or by current stage and township. Invalid moves are refused case by case with the reason; moves after the stage deadline are flagged for performance accountability automatically. With "Commit as one batch" all moves run in a single transaction: if anything fails or the run is canceled, none of them takes effect.</translation>
    </message>
    <message>
      <source>报告日期</source>
      <translation>Report date</translation>
    </message>
    <message>
      <source>报告日期（空为今天）</source>
      <translation>Report date (empty = today)</translation>
    </message>
    <message>
      <source>报告案件 {n} 件</source>
      <translation>cases reported: {n}</translation>
    </message>
    <message>
      <source>报告案件数</source>
      <translation>Cases reported</translation>
    </message>
    <message>
      <source>报送日期</source>
      <translation>Date of submission</translation>
    </message>
    <message>
      <source>报送日期（yyyy-mm-dd）</source>
      <translation>Report date (yyyy-mm-dd)</translation>
    </message>
    <message>
      <source>拆除</source>
      <translation>Demolition</translation>
    </message>
    <message>
      <source>拆除整治</source>
      <translation>Demolition and remediation</translation>
    </message>
    <message>
      <source>拆除面积</source>
      <translation>Demolished area</translation>
    </message>
    <message>
      <source>拆除面积(㎡)</source>
      <translation>Demolished area (m²)</translation>
    </message>
    <message>
      <source>拆除面积（㎡，空为整体拆除即案件面积）</source>
      <translation>Demolished area (m², empty = fully demolished, i.e. the case area)</translation>
    </message>
    <message>
      <source>拒绝原因</source>
      <translation>Refusal reasons</translation>
    </message>
    <message>
      <source>按乡镇、问题来源、处置阶段、责任单位统计案件数、违法案件数、违法占地面积（其中耕地、永久基本农田）、拆除面积、超期案件数、办结数、7日内办结数和违法占耕比（增量违法案件占用耕地 ÷ 全部增量新增建设占用耕地），并输出统计图（PNG）。期间为空统计全部，可填年份（yyyy）或月份（yyyy-mm，按发现时间）。</source>
      <translation>Counts, by township, case source, disposal stage and responsible unit: cases, violations, illegally occupied area (of which cultivated land and permanent basic farmland), demolished area, overdue cases, closed cases, cases closed within 7 days, and the illegal farmland occupation ratio (cultivated land occupied by new illegal cases ÷ cultivated land occupied by all new construction). Also draws a chart (PNG). An empty period covers all cases; otherwise give a year (yyyy) or a month (yyyy-mm, by discovery date).</translation>
    </message>
    <message>
      <source>按乡镇统计违法占耕比：违法占用耕地面积（认定为违法的图斑占用的耕地）÷ 新增建设占用耕地面积（本批全部图斑占用的耕地）× 100%，并给出全县合计；达到阈值（默认 15%，“≥”即标记）的标记 over_threshold = 1。
输入为规划认定（liangwei:determine）的输出。给出乡镇界线图层时，每个图斑计入面积最大部分所在的乡镇（只计一次）；否则按图斑的行政区代码/名称字段（XZQDM/XZQMC，按字段映射识别）分组。乡镇代码/名称字段留空时按字段映射自动识别；不给乡镇界线图层时，这两个字段指图斑图层的字段。</source>
      <translation>Calculates the illegal farmland occupation ratio by township: cultivated land illegally occupied (cultivated land in patches determined as illegal) ÷ cultivated land occupied by new construction (cultivated land in all patches of the batch) × 100%, with a county total. Rows reaching the threshold (default 15%, flagged at "≥") get over_threshold = 1.
The input is the output of planning determination (liangwei:determine). With a township boundary layer, each patch counts (once) in the township holding the largest part of it; otherwise patches are grouped by their administrative division code/name fields (XZQDM/XZQMC, recognised through the field mapping). Empty township code/name fields are recognised through the field mapping; without a township boundary layer these two fields refer to the patch layer.</translation>
    </message>
    <message>
      <source>按图斑字段 {code} / {name} 分组</source>
      <translation>Grouping by patch fields {code} / {name}</translation>
    </message>
    <message>
      <source>按数据目录（TOML）把一张图加载到当前项目</source>
      <translation>Load the one map into the current project from a data catalogue (TOML)</translation>
    </message>
    <message>
      <source>按数据目录（TOML，[[layer]] 条目含 role、path、name、code_field、date）生成一张图QGIS项目（.qgz）：图层组自上而下为 案件台账、监测图斑、保护区、规划分区、土地利用现状、影像时相；影像按时相排序，最新两期显示；土地利用现状按三调地类配色，三区三线、保护区、监测图斑、案件按标准样式显示。项目使用相对路径，可连同数据文件夹一起移动；不装本插件的QGIS也能打开。</source>
      <translation>Builds a one-map QGIS project (.qgz) from a data catalogue (TOML; [[layer]] entries with role, path, name, code_field, date). Layer groups from top to bottom: case register, monitoring patches, protected areas, planning zones, current land use, imagery epochs. Imagery is ordered by date with the latest two epochs visible; current land use uses the third national land survey colours, and the three control lines, protected areas, monitoring patches and cases use the standard styles. The project uses relative paths, so it can be moved together with its data folder, and it opens in QGIS without this plugin.</translation>
    </message>
    <message>
      <source>按月导出《新增违法违规问题台账》（报送纪委监委）：序号、案件/监测编号、乡镇、村、问题来源、发现时间、当事人、违法类型/认定、占地面积及其中耕地和永久基本农田、责任单位、处置阶段与期限、处置方式、拆除面积、是否超期、效能问责、是否移交纪委监委、备注。月份为空时导出全部违法案件。面积同时列㎡和亩（1亩=10000/15㎡，两位小数）；认定意见书、整改通知书文号取自文书编号登记（文书编号登记.sqlite，空为文书配置或默认位置的登记，没有则文号列为空）。超过7日处置期限仍未处置的新增案件（任何阶段，含快速认定）按 workflow.toml 的 [[referral.rule]] 标为应移交纪委监委。输出 .xlsx（A3横向、按页宽缩放、每页重复表头、全表框线、填报单位/填报人/审核人/报送日期落款，另附“乡镇汇总”表：案件数、面积㎡/亩、违法占耕比）或 .csv（UTF-8）。</source>
      <translation>Exports the monthly ledger of new violations (新增违法违规问题台账, for the discipline inspection commission): row number, case/patch number, township, village, source, date found, party, kind of violation/determination, area occupied with farmland and permanent basic farmland in it, responsible department, stage and deadline, disposal, area demolished, overdue, accountability, referred to the discipline commission, notes. With no month, every violation is exported. Areas in m² and mu (1 mu = 10000/15 m², two decimals); the report and notice numbers come from the document number registry (文书编号登记.sqlite; empty: the one of the document settings or the default place; without one the number columns stay empty). New cases not disposed of within the 7-day target (at any stage, 快速认定 included) are marked for referral to the discipline commission by workflow.toml's [[referral.rule]]. Output .xlsx (A3 landscape, fitted to the page width, header repeated on every page, borders, a signature block for reporting unit, reporter, reviewer and date, and a 乡镇汇总 sheet with case counts, areas in m²/mu and the illegal farmland occupation ratio) or .csv (UTF-8).</translation>
    </message>
    <message>
      <source>按空值判断</source>
      <translation>read as empty</translation>
    </message>
    <message>
      <source>按送达回证登记文书送达日期：案件（案件编号或监测编号）、送达的文书（责令限期整改通知书、责令停止违法行为通知书、行政处罚听证告知书）、文书编号（不填时取编号登记库中为该图斑发出的编号）、送达日期、送达方式、送达人。期限自送达之日起计算：整改期限按文书配置 [deadlines]（按处理方式），听证申请期限 hearing_request_days，停止通知书的报告期限 report_within_days；期限届满日与送达记录一起写入案件处置历史；责令限期整改通知书的期限届满日同时作为案件的整治期限（拆除整治阶段的期限），超期检查自送达之日起计算。</source>
      <translation>Records the date a document was served, from its proof of service: the case (case number or patch id), the document served (rectification notice, order to stop, hearing notice), its number (empty: the number the registry issued for the patch), the date, the method and who served it. Periods run from service: the rectification period from the document configuration's [deadlines] (by consequence), hearing_request_days for the hearing notice, report_within_days for the order to stop; the date the period ends is recorded with the service in the case's history. The end of the rectification notice's period also becomes the case's rectification deadline (the deadline of the 拆除整治 stage): overdue checks count from the service date.</translation>
    </message>
    <message>
      <source>换算为经纬度后位于 ({lon:.2f}°, {lat:.2f}°)，不在中国境内</source>
      <translation>converted to longitude/latitude they lie at ({lon:.2f}°, {lat:.2f}°), outside China</translation>
    </message>
    <message>
      <source>推进案件</source>
      <translation>Advance Case</translation>
    </message>
    <message>
      <source>推进案件 {case}</source>
      <translation>Advance Case {case}</translation>
    </message>
    <message>
      <source>推进案件（批量转阶段）</source>
      <translation>Advance cases (batch stage change)</translation>
    </message>
    <message>
      <source>搜索案件编号、监测编号、当事人、乡镇、村（回车）</source>
      <translation>Search case number, monitoring number, party, township, village (Enter)</translation>
    </message>
    <message>
      <source>效能问责</source>
      <translation>Performance accountability</translation>
    </message>
    <message>
      <source>效能问责检查（超期案件）</source>
      <translation>Accountability check (overdue cases)</translation>
    </message>
    <message>
      <source>数据目录 (*.toml)</source>
      <translation>Data catalogue (*.toml)</translation>
    </message>
    <message>
      <source>数据目录（TOML）</source>
      <translation>Data catalogue (TOML)</translation>
    </message>
    <message>
      <source>整批提交（全部成功或全部不生效）</source>
      <translation>Commit as one batch (all succeed or none take effect)</translation>
    </message>
    <message>
      <source>整批未生效</source>
      <translation>the batch was not applied</translation>
    </message>
    <message>
      <source>整治期限</source>
      <translation>Remediation deadline</translation>
    </message>
    <message>
      <source>文书</source>
      <translation>Documents</translation>
    </message>
    <message>
      <source>文书份数</source>
      <translation>Documents produced</translation>
    </message>
    <message>
      <source>文书已输出到 {0}</source>
      <translation>Documents written to {0}</translation>
    </message>
    <message>
      <source>文书类别</source>
      <translation>Document kind</translation>
    </message>
    <message>
      <source>文书编号登记库不存在：{path}</source>
      <translation>Document number registry does not exist: {path}</translation>
    </message>
    <message>
      <source>文书编号登记库（.sqlite）</source>
      <translation>Document number registry (.sqlite)</translation>
    </message>
    <message>
      <source>文书编号登记库（SQLite，默认为本局共用的登记库）</source>
      <translation>Document number registry (SQLite; default: the bureau's shared registry)</translation>
    </message>
    <message>
      <source>文书编号（完整编号）</source>
      <translation>Document number (in full)</translation>
    </message>
    <message>
      <source>文书编号（空为编号登记库中的编号）</source>
      <translation>Document number (empty: the one in the number registry)</translation>
    </message>
    <message>
      <source>文书输出</source>
      <translation>Documents</translation>
    </message>
    <message>
      <source>文书输出算法未安装：</source>
      <translation>Document export algorithm not installed: </translation>
    </message>
    <message>
      <source>文书配置 (*.toml)</source>
      <translation>Document configuration (*.toml)</translation>
    </message>
    <message>
      <source>文书配置文件（documents.toml，默认为插件自带）</source>
      <translation>Document configuration file (documents.toml, the plugin default if empty)</translation>
    </message>
    <message>
      <source>文书（PDF）输出</source>
      <translation>the PDF documents</translation>
    </message>
    <message>
      <source>新登记案件数</source>
      <translation>New cases registered</translation>
    </message>
    <message>
      <source>新记录的外业核查数</source>
      <translation>New verification entries</translation>
    </message>
    <message>
      <source>无法从坐标判断其坐标参考系</source>
      <translation>the coordinates do not tell which CRS they belong to</translation>
    </message>
    <message>
      <source>无法写出图斑 {id}：{error}</source>
      <translation>Cannot write patch {id}: {error}</translation>
    </message>
    <message>
      <source>无法创建输出「{what}」（参数 {name}）{dest}</source>
      <translation>Cannot create output "{what}" (parameter {name}) {dest}</translation>
    </message>
    <message>
      <source>无法加载台账图层</source>
      <translation>Cannot load the register layer.</translation>
    </message>
    <message>
      <source>无法打开输入图层（规划认定结果）</source>
      <translation>Cannot open the input layer (determination results).</translation>
    </message>
    <message>
      <source>无法换算为经纬度</source>
      <translation>they cannot be converted to longitude/latitude</translation>
    </message>
    <message>
      <source>无法解析条件 "{text}"（格式：变量 运算符 取值）</source>
      <translation>cannot parse condition "{text}" (format: variable operator value)</translation>
    </message>
    <message>
      <source>无法识别的取值 {text}（数字、"文字"、["列表"] 或 $阈值名）</source>
      <translation>unrecognised value {text} (expected a number, "text", ["list"] or $threshold_name)</translation>
    </message>
    <message>
      <source>无法读出</source>
      <translation>unreadable</translation>
    </message>
    <message>
      <source>无法读取监测图斑图层（参数 PATCHES）：需要矢量面图层。</source>
      <translation>Cannot read the monitoring patch layer (parameter PATCHES): a polygon vector layer is required.</translation>
    </message>
    <message>
      <source>无法采取改正措施</source>
      <translation>cannot be corrected</translation>
    </message>
    <message>
      <source>无监测编号、按图形登记</source>
      <translation>Without monitoring number, registered by geometry</translation>
    </message>
    <message>
      <source>日期</source>
      <translation>Date</translation>
    </message>
    <message>
      <source>是否超期</source>
      <translation>Overdue</translation>
    </message>
    <message>
      <source>是否违法</source>
      <translation>Violation</translation>
    </message>
    <message>
      <source>最后一条规则必须是无条件的默认规则（删去 when / when_any）</source>
      <translation>the last rule must be an unconditional default rule (remove when / when_any)</translation>
    </message>
    <message>
      <source>最小面积（平方米）</source>
      <translation>Minimum area (m²)</translation>
    </message>
    <message>
      <source>月份（yyyy-mm，空为全部）</source>
      <translation>Month (yyyy-mm, empty = all)</translation>
    </message>
    <message>
      <source>有核查结论的图斑数</source>
      <translation>Patches with a conclusion</translation>
    </message>
    <message>
      <source>期限届满日</source>
      <translation>Period ends</translation>
    </message>
    <message>
      <source>未利用地</source>
      <translation>Unused land</translation>
    </message>
    <message>
      <source>未办结</source>
      <translation>Open</translation>
    </message>
    <message>
      <source>未及时发现</source>
      <translation>Not found in time</translation>
    </message>
    <message>
      <source>未填</source>
      <translation>not given</translation>
    </message>
    <message>
      <source>未定义的阈值 ${name}（请在 [thresholds] 中定义）</source>
      <translation>undefined threshold ${name} (define it under [thresholds])</translation>
    </message>
    <message>
      <source>未指定输出位置的成果（叠加分析、认定结果、文书、台账导出）都写入此文件夹；空为项目文件旁的“两违成果”文件夹。</source>
      <translation>Outputs not placed explicitly (overlay, determination, documents, ledger exports) are written to this folder; empty = the folder “两违成果” beside the project file.</translation>
    </message>
    <message>
      <source>未登记案件（设置中没有案件台账）</source>
      <translation>No cases registered (no case register in the settings)</translation>
    </message>
    <message>
      <source>未知变量 {var}（不是叠加字段，也没有名为 {kind} 的类别；可用：{known}）</source>
      <translation>unknown variable {var} (not an overlay field, and there is no category named {kind}; available: {known})</translation>
    </message>
    <message>
      <source>未知的当事人类别 {kind}（可用：default、{kinds}）</source>
      <translation>unknown party kind {kind} (available: default, {kinds})</translation>
    </message>
    <message>
      <source>未知的认定类别（可用：{codes}）</source>
      <translation>unknown determination category (available: {codes})</translation>
    </message>
    <message>
      <source>未知的键 {keys}</source>
      <translation>unknown keys {keys}</translation>
    </message>
    <message>
      <source>未知的键 {keys}（可用：{known}）</source>
      <translation>unknown keys {keys} (available: {known})</translation>
    </message>
    <message>
      <source>未知的面积占位符 {{{name}}}</source>
      <translation>unknown area placeholder {{{name}}}</translation>
    </message>
    <message>
      <source>未立案</source>
      <translation>No case opened</translation>
    </message>
    <message>
      <source>未能导入的行或照片数</source>
      <translation>Rows or photos not taken in</translation>
    </message>
    <message>
      <source>未认定（无可量测面积）</source>
      <translation>not determined (no measurable area)</translation>
    </message>
    <message>
      <source>未认定：图斑没有可量测的面积（几何为空、无效或坐标有误），请核实图斑后重新叠加分析</source>
      <translation>Not determined: the patch has no measurable area (empty or unusable geometry, or wrong coordinates); check the patch and run the overlay again</translation>
    </message>
    <message>
      <source>未通过检查的照片数</source>
      <translation>Photos failing a check</translation>
    </message>
    <message>
      <source>未通过检查：</source>
      <translation>Failed the check: </translation>
    </message>
    <message>
      <source>本次新标记的案件数</source>
      <translation>Cases newly flagged</translation>
    </message>
    <message>
      <source>村</source>
      <translation>Village</translation>
    </message>
    <message>
      <source>村代码</source>
      <translation>Village code</translation>
    </message>
    <message>
      <source>条件不成立</source>
      <translation>the condition fails</translation>
    </message>
    <message>
      <source>条件必须是文字，如 "farmland_m2 &gt;= $occupy_min_m2"</source>
      <translation>a condition must be text, e.g. "farmland_m2 &gt;= $occupy_min_m2"</translation>
    </message>
    <message>
      <source>条件成立</source>
      <translation>the condition holds</translation>
    </message>
    <message>
      <source>来源</source>
      <translation>Source</translation>
    </message>
    <message>
      <source>核查期限</source>
      <translation>Inspection deadline</translation>
    </message>
    <message>
      <source>根据图斑叠加分析（liangwei:overlaycheck）的结果和可编辑的规则表，逐个图斑作出规划认定：尚可采取改正措施消除对规划实施的影响 / 无法采取改正措施消除对规划实施的影响 / 不属于违法用地违法建设，给出处理后果（限期拆除并恢复原状 / 没收 / 补办手续）、命中的规则、法律依据和责任部门。
规则文件默认为插件自带的 resources/determination_rules.toml；复制后修改阈值、用语、部门和规则，再在“规则文件”中选择即可，无需改代码。规则自上而下，第一条满足的规则生效。</source>
      <translation>Makes a planning determination for each patch from the patch overlay analysis results (liangwei:overlaycheck) and an editable rule table: correctable (尚可采取改正措施消除对规划实施的影响) / cannot be corrected (无法采取改正措施消除对规划实施的影响) / not illegal land use or construction (不属于违法用地违法建设), with the consequence (demolition within a deadline and restoration / confiscation / retroactive approval), the rule that matched, the legal basis and the responsible department.
The default rule file is resources/determination_rules.toml shipped with the plugin; copy it, change thresholds, wording, departments and rules, and choose the copy under "Rule file"; no code changes needed. Rules are read from top to bottom and the first one that matches applies.</translation>
    </message>
    <message>
      <source>案件 {case}：{title} {number} 于 {day} {method}，期限届满日 {due}</source>
      <translation>Case {case}: {title} {number} served on {day} ({method}); the period ends {due}</translation>
    </message>
    <message>
      <source>案件 {n} 件，其中违法 {v} 件、超期 {o} 件、7日内办结 {c} 件；违法占耕比 {r}</source>
      <translation>Cases: {n}, of which violations {v}, overdue {o}, closed within 7 days {c}; illegal farmland occupation ratio {r}</translation>
    </message>
    <message>
      <source>案件台账</source>
      <translation>Case Register</translation>
    </message>
    <message>
      <source>案件台账 GeoPackage (*.gpkg);;所有文件 (*)</source>
      <translation>Case register GeoPackage (*.gpkg);;All files (*)</translation>
    </message>
    <message>
      <source>案件台账新登记 {added} 件，已在台账中 {skipped} 件</source>
      <translation>Case register: {added} new cases, {skipped} already registered</translation>
    </message>
    <message>
      <source>案件台账（.gpkg 路径 / PostgreSQL 连接）</source>
      <translation>Case register (.gpkg path / PostgreSQL connection)</translation>
    </message>
    <message>
      <source>案件台账（记录移送函；.gpkg 路径 / PostgreSQL 连接）</source>
      <translation>Case register (records the referral letters; .gpkg path / PostgreSQL connection)</translation>
    </message>
    <message>
      <source>案件数</source>
      <translation>Cases</translation>
    </message>
    <message>
      <source>案件统计</source>
      <translation>Case statistics</translation>
    </message>
    <message>
      <source>案件统计…</source>
      <translation>Case Statistics…</translation>
    </message>
    <message>
      <source>案件统计表</source>
      <translation>Case statistics table</translation>
    </message>
    <message>
      <source>案件编号</source>
      <translation>Case number</translation>
    </message>
    <message>
      <source>案件编号或监测编号</source>
      <translation>Case number or patch id</translation>
    </message>
    <message>
      <source>案件编号或监测编号（逗号、空格或换行分隔）</source>
      <translation>Case or monitoring numbers (separated by commas, spaces or new lines)</translation>
    </message>
    <message>
      <source>案件阶段</source>
      <translation>Case stage</translation>
    </message>
    <message>
      <source>检查人</source>
      <translation>Checked by</translation>
    </message>
    <message>
      <source>椭球面积</source>
      <translation>Ellipsoidal area</translation>
    </message>
    <message>
      <source>椭球面积（CGCS2000 椭球，默认）</source>
      <translation>Ellipsoidal area (CGCS2000 ellipsoid, default)</translation>
    </message>
    <message>
      <source>椭球面积（CGCS2000）</source>
      <translation>Ellipsoidal area (CGCS2000)</translation>
    </message>
    <message>
      <source>横坐标的带号不是 {zone}</source>
      <translation>the eastings' zone prefix is not {zone}</translation>
    </message>
    <message>
      <source>横坐标距中央经线超过 {km:.0f} 公里，不在该投影带内</source>
      <translation>the eastings lie more than {km:.0f} km from the central meridian, outside the zone</translation>
    </message>
    <message>
      <source>此前的案件已保存</source>
      <translation>cases before it were saved</translation>
    </message>
    <message>
      <source>比较前、后两期影像（RGB 或多光谱，坐标系、分辨率、范围可以不同），提出新增建设的候选图斑（新增建筑 / 硬化地面 / 推填土），供叠加分析、规划认定和登记案件（问题来源“自主发现”）使用。候选图斑只是线索，须经外业核查。
方法：① 两期重采样到后时相影像的格网（重叠范围，分块读取，不整幅读入内存）；② 配准：多个窗口上用相位相关（FFT）估计亚像元偏移，取中位数校正前时相；③ 辐射归一化：在伪不变像元（变化最小的一半样本像元，迭代选取）上逐波段直方图匹配；④ 变化量：高斯平滑后的变化矢量分析（CVA）幅值；⑤ 阈值：样本变化量的 Otsu 阈值，且不低于中位变化量的 min_ratio 倍（噪声下限），滞后阈值生长区域；⑥ 形态学开、闭运算，去除小斑块，矢量化；⑦ 判别：保留前时相纹理的变化（薄云、雾、阴影）和亮灰色云团剔除，变绿为植被变化、暗蓝绿为水体（淹水）剔除；西北侧新出现阴影带或蓝色彩钢顶为新增建筑，其余灰色为硬化地面、棕色为推填土；⑧ 三调地类：整块耕地图斑发生变化视为收割/季节变化，不作候选，但其中与图斑新面貌不同且有阴影的紧凑斑块仍为新增建筑；现状建设用地上的变化只保留新增建筑。
参数：前时相影像、后时相影像；三调地类图斑（可选，DLBM 及 ZLDWDM/ZLDWMC 按字段映射识别）；已下发的监测图斑（可选，覆盖候选图斑 30% 以上时 known = 1，known_patch 为其监测编号）；最小面积（平方米，默认 200，按椭球面积）。其余参数（分块大小、平滑、阈值倍数、颜色与地类规则、编号前缀）在 resources/change_detection.toml 中。
输出字段：JCBH（候选编号：前缀 ZZ + 县代码 + 年度 + 期数 + 序号，按乡镇、自北向南编号）、change_type（变化类型）、score（平均变化量 ÷ 阈值）、area_m2 / area_mu（椭球面积，平方米 / 亩）、landuse_before（三调地类）、landuse_after（变化后地表）、ZLDWDM / ZLDWMC（坐落单位）、known / known_patch、QSX / HSX（前、后时相日期，取自文件名）、area_method。</source>
      <translation>Compares an earlier and a later image (RGB or multispectral; CRS, resolution and extent may differ) and proposes candidate patches of new construction (新增建筑 new building / 硬化地面 hardened ground / 推填土 earth fill) for the overlay check, the determination and the case register (source "自主发现", self-found). A candidate is only a lead and needs an on-site check.
Method: (1) both epochs resampled onto the later image's grid (the overlap, read in tiles, never whole in memory); (2) co-registration: sub-pixel shift by phase correlation (FFT) on several windows, the median corrects the earlier epoch; (3) radiometric normalisation: per-band histogram matching on pseudo-invariant pixels (the half of a sample with the least change, selected iteratively); (4) change measure: change vector analysis (CVA) magnitude of the Gaussian-smoothed epochs; (5) threshold: Otsu on the sample magnitudes, never below min_ratio times the median magnitude (noise floor), regions grown by hysteresis; (6) morphological opening and closing, small specks removed, vectorised; (7) discrimination: changes that keep the earlier image's texture (thin cloud, haze, shadow) and bright grey cloud are dropped, greening is vegetation change and dark blue-green is water (flooding), both dropped; a new shadow band on the north-west side or a blue steel roof is a new building, otherwise grey is hardened ground and brown is earth fill; (8) land use (三调): a farmland parcel that changed as a whole is a harvest/seasonal change, not a candidate, but a compact patch inside it that differs from the parcel's new look and casts a shadow is still a new building; change on existing construction land is kept only if it is a new building.
Parameters: earlier and later image; land-use parcels (optional; DLBM and ZLDWDM/ZLDWMC found through the field mapping); delivered monitoring patches (optional; known = 1 and known_patch = its number when one covers 30 % or more of a candidate); minimum area (m², default 200, ellipsoidal). Other parameters (tile size, smoothing, threshold factors, colour and land-use rules, numbering prefix) are in resources/change_detection.toml.
Output fields: JCBH (candidate number: prefix ZZ + county code + year + period + sequence, by township, north to south), change_type, score (mean change ÷ threshold), area_m2 / area_mu (ellipsoidal, m² / mu), landuse_before (三调 class), landuse_after (surface after the change), ZLDWDM / ZLDWMC (village), known / known_patch, QSX / HSX (epoch dates from the file names), area_method.</translation>
    </message>
    <message>
      <source>没收</source>
      <translation>Confiscation</translation>
    </message>
    <message>
      <source>没有条件（默认部门请写在 [routing] default）</source>
      <translation>has no condition (put the default department in [routing] default)</translation>
    </message>
    <message>
      <source>没有条件，排在它后面的规则永远不会生效；无条件的默认规则必须放在最后</source>
      <translation>has no condition, so the rules after it can never apply; the unconditional default rule must come last</translation>
    </message>
    <message>
      <source>没有监测编号为“{number}”的图斑</source>
      <translation>No patch with monitoring number "{number}"</translation>
    </message>
    <message>
      <source>没有选定任何案件：请填写案件编号、选择台账图层要素或指定当前阶段</source>
      <translation>No cases chosen: enter case numbers, select features in a register layer or choose a current stage.</translation>
    </message>
    <message>
      <source>漏报次数</source>
      <translation>Missed reports</translation>
    </message>
    <message>
      <source>漏报清单</source>
      <translation>Missed report list</translation>
    </message>
    <message>
      <source>照片距图斑边界的最大距离（米）</source>
      <translation>Maximum distance of a photo from the patch boundary (m)</translation>
    </message>
    <message>
      <source>版本</source>
      <translation>Version</translation>
    </message>
    <message>
      <source>生成 PDF 的工作进程数（0 为单进程）</source>
      <translation>Worker processes for PDF generation (0 = single process)</translation>
    </message>
    <message>
      <source>生成一个虚构但逼真的示例县（CGCS2000 3度带高斯-克吕格投影）：乡镇界线、三调地类图斑、三区三线与规划分区、保护区、两期影像（GeoTIFF）和卫片监测图斑。同一随机种子总是生成相同的数据，用于培训、演示和测试。</source>
      <translation>Generates a fictitious but realistic sample county (CGCS2000 3° Gauss-Krüger projection): township boundaries, third national land survey parcels, the three control lines and planning zones, protected areas, two imagery epochs (GeoTIFF) and satellite monitoring patches. The same random seed always generates the same data; for training, demonstrations and testing.</translation>
    </message>
    <message>
      <source>生成一张图项目</source>
      <translation>Build one-map project</translation>
    </message>
    <message>
      <source>生成示例县数据</source>
      <translation>Generate sample county data</translation>
    </message>
    <message>
      <source>用户已取消</source>
      <translation>Canceled by the user</translation>
    </message>
    <message>
      <source>用户指南</source>
      <translation>User Guide</translation>
    </message>
    <message>
      <source>登记 → {stage}</source>
      <translation>Registered → {stage}</translation>
    </message>
    <message>
      <source>登记人</source>
      <translation>Registered by</translation>
    </message>
    <message>
      <source>登记文书送达</source>
      <translation>Record service of a document</translation>
    </message>
    <message>
      <source>登记时间</source>
      <translation>Registered at</translation>
    </message>
    <message>
      <source>登记案件（入台账）</source>
      <translation>Register cases</translation>
    </message>
    <message>
      <source>登记案件（入台账）…</source>
      <translation>Register Cases…</translation>
    </message>
    <message>
      <source>监测图斑</source>
      <translation>Monitoring patches</translation>
    </message>
    <message>
      <source>监测图斑 {n} 个，面积 {area} 平方米（{area_mu} 亩），其中耕地 {farm} 平方米（{farm_mu} 亩）</source>
      <translation>{n} monitoring patches, {area} m² ({area_mu} mu), of which cultivated land {farm} m² ({farm_mu} mu)</translation>
    </message>
    <message>
      <source>监测图斑图层</source>
      <translation>Monitoring patch layer</translation>
    </message>
    <message>
      <source>监测图斑图层「{layer}」没有监测编号字段（JCBH），known_patch 用要素编号</source>
      <translation>Monitoring patch layer "{layer}" has no patch number field (JCBH); known_patch uses the feature id</translation>
    </message>
    <message>
      <source>监测图斑（或规划认定结果）</source>
      <translation>Monitoring patches (or determination results)</translation>
    </message>
    <message>
      <source>监测编号</source>
      <translation>Monitoring number</translation>
    </message>
    <message>
      <source>监测编号字段</source>
      <translation>Patch number field</translation>
    </message>
    <message>
      <source>监测编号（原值）</source>
      <translation>Monitoring number (as delivered)</translation>
    </message>
    <message>
      <source>监测面积</source>
      <translation>Monitored area</translation>
    </message>
    <message>
      <source>监督检查</source>
      <translation>Supervision and inspection</translation>
    </message>
    <message>
      <source>目标阶段</source>
      <translation>Target stage</translation>
    </message>
    <message>
      <source>直接编辑</source>
      <translation>Direct edit</translation>
    </message>
    <message>
      <source>相关单位</source>
      <translation>Other departments</translation>
    </message>
    <message>
      <source>磁盘已满或该格式不能保存这些值</source>
      <translation>the disk is full or the format cannot store these values</translation>
    </message>
    <message>
      <source>移交事由</source>
      <translation>Referral reason</translation>
    </message>
    <message>
      <source>移交日期</source>
      <translation>Referral date</translation>
    </message>
    <message>
      <source>移交期限</source>
      <translation>Referral deadline</translation>
    </message>
    <message>
      <source>移交纪委监委</source>
      <translation>Referred to the discipline commission</translation>
    </message>
    <message>
      <source>空值</source>
      <translation>empty</translation>
    </message>
    <message>
      <source>空：插件自带的 documents.toml</source>
      <translation>Empty: the plugin's own documents.toml</translation>
    </message>
    <message>
      <source>空：本局共用的登记库（台账旁或用户配置文件夹）</source>
      <translation>Empty: the bureau's shared registry (beside the case register or in the user profile folder)</translation>
    </message>
    <message>
      <source>第 {n} 条 [[route]]</source>
      <translation>[[route]] no. {n}</translation>
    </message>
    <message>
      <source>第 {n} 条规则</source>
      <translation>rule no. {n}</translation>
    </message>
    <message>
      <source>算法未安装：</source>
      <translation>Algorithm not installed: </translation>
    </message>
    <message>
      <source>算法模块 {module} 无法加载（{error}），已跳过。</source>
      <translation>Algorithm module {module} could not be loaded ({error}) and was skipped.</translation>
    </message>
    <message>
      <source>类别名 {key} 与叠加字段 {key}_m2 冲突</source>
      <translation>category name {key} clashes with the overlay field {key}_m2</translation>
    </message>
    <message>
      <source>类别名只能用小写英文字母、数字和下划线</source>
      <translation>category names may contain only lowercase letters, digits and underscores</translation>
    </message>
    <message>
      <source>索引表 index.csv</source>
      <translation>Index table index.csv</translation>
    </message>
    <message>
      <source>索引表（CSV）</source>
      <translation>Index table (CSV)</translation>
    </message>
    <message>
      <source>经纬度不在中国境内</source>
      <translation>the longitudes/latitudes lie outside China</translation>
    </message>
    <message>
      <source>经纬度超出 ±180°/±90°，实为投影坐标（米）</source>
      <translation>the values exceed ±180°/±90°: they are projected coordinates (metres)</translation>
    </message>
    <message>
      <source>结束日期</source>
      <translation>End date</translation>
    </message>
    <message>
      <source>结束日期 {end} 早于开始日期 {start}</source>
      <translation>End date {end} is before start date {start}.</translation>
    </message>
    <message>
      <source>结束日期（空为开始日期）</source>
      <translation>End date (empty = start date)</translation>
    </message>
    <message>
      <source>统计图</source>
      <translation>Chart</translation>
    </message>
    <message>
      <source>统计日期</source>
      <translation>Reference date</translation>
    </message>
    <message>
      <source>统计日期（判断是否超期，空为今天）</source>
      <translation>Reference date (for overdue checks, empty = today)</translation>
    </message>
    <message>
      <source>统计日期（空为今天）</source>
      <translation>Reference date (empty = today)</translation>
    </message>
    <message>
      <source>统计期间（yyyy 或 yyyy-mm，空为全部）</source>
      <translation>Period (yyyy or yyyy-mm, empty = all)</translation>
    </message>
    <message>
      <source>续跑保留份数</source>
      <translation>Documents kept from earlier run</translation>
    </message>
    <message>
      <source>编号冲突（同一编号、图形不同）另行登记</source>
      <translation>Id conflicts (same number, other geometry) registered separately</translation>
    </message>
    <message>
      <source>编号原属图斑</source>
      <translation>Patch the number was issued for</translation>
    </message>
    <message>
      <source>编号登记库 {path} 中没有{authority}发出的{title}编号“{number}”</source>
      <translation>The number registry {path} has no {title} number "{number}" issued by {authority}</translation>
    </message>
    <message>
      <source>编号登记库 {path} 中没有图斑 {pid} 的{title}编号，送达记录不含文书编号</source>
      <translation>The number registry {path} has no {title} number for patch {pid}; the service is recorded without a document number</translation>
    </message>
    <message>
      <source>编号说明</source>
      <translation>Id note</translation>
    </message>
    <message>
      <source>缺少 id</source>
      <translation>missing id</translation>
    </message>
    <message>
      <source>缺少叠加分析字段：{fields}（请先运行 liangwei:overlaycheck）</source>
      <translation>Missing overlay fields: {fields} (run liangwei:overlaycheck first).</translation>
    </message>
    <message>
      <source>缺少算法 {0}，无法批量审查</source>
      <translation>Algorithm {0} is missing; the batch review cannot run.</translation>
    </message>
    <message>
      <source>缺少规则名称</source>
      <translation>missing rule name</translation>
    </message>
    <message>
      <source>缺少认定用语：{codes}</source>
      <translation>missing determination wording: {codes}</translation>
    </message>
    <message>
      <source>网格单元名称（新单元时填写）</source>
      <translation>Grid unit name (for a new unit)</translation>
    </message>
    <message>
      <source>网格单元编码</source>
      <translation>Grid unit code</translation>
    </message>
    <message>
      <source>网格单元（村居、小区）提交当日巡查报告：填写当天发现并已登记的案件编号；未发现新增“两违”的不填，即为“零报告”。每个单元每天只能报告一次。填写单元名称时，未登记的网格单元会自动登记（也可直接在台账的 grid_units 表中维护）。</source>
      <translation>A grid unit (village, community or residential compound) submits its daily patrol report: enter the numbers of cases found and registered that day; leave them empty when no new illegal land use or construction was found, which makes it a "zero report". Each unit can report once per day. When a unit name is given, an unregistered grid unit is registered automatically (grid units can also be maintained directly in the grid_units table of the register).</translation>
    </message>
    <message>
      <source>网格巡查</source>
      <translation>Grid patrol</translation>
    </message>
    <message>
      <source>网格日报（零报告打卡）</source>
      <translation>Grid daily report (zero report check-in)</translation>
    </message>
    <message>
      <source>网格漏报检查</source>
      <translation>Missed grid report check</translation>
    </message>
    <message>
      <source>自主发现</source>
      <translation>Self-found (own imagery)</translation>
    </message>
    <message>
      <source>自动（每个处理器核心一个）</source>
      <translation>Automatic (one per processor core)</translation>
    </message>
    <message>
      <source>至少需要一个部门</source>
      <translation>at least one department is required</translation>
    </message>
    <message>
      <source>至少需要一条规则，最后一条为无条件的默认规则</source>
      <translation>at least one rule is required, the last one being the unconditional default rule</translation>
    </message>
    <message>
      <source>落款日期 {0} 不在合理范围（{1} 至 {2}）内，请检查是否填错</source>
      <translation>Issue date {0} is outside the plausible range ({1} to {2}): please check it</translation>
    </message>
    <message>
      <source>落款日期无法识别：{0}（应为 yyyy-mm-dd）</source>
      <translation>Issue date not recognised: {0} (expected yyyy-mm-dd)</translation>
    </message>
    <message>
      <source>落款日期（yyyy-mm-dd，默认今天）</source>
      <translation>Issue date (yyyy-mm-dd, default today)</translation>
    </message>
    <message>
      <source>行政区</source>
      <translation>Administrative area</translation>
    </message>
    <message>
      <source>被拒绝的案件数</source>
      <translation>Cases refused</translation>
    </message>
    <message>
      <source>规划认定</source>
      <translation>Planning determination</translation>
    </message>
    <message>
      <source>规划认定…</source>
      <translation>Planning Determination…</translation>
    </message>
    <message>
      <source>规划认定意见书 {reports} 份，责令限期整改通知书 {notices} 份</source>
      <translation>{reports} planning-opinion reports, {notices} rectification notices</translation>
    </message>
    <message>
      <source>规划认定意见书合并 PDF</source>
      <translation>Planning opinion reports, merged PDF</translation>
    </message>
    <message>
      <source>规划认定意见书文件夹</source>
      <translation>Planning opinion report folder</translation>
    </message>
    <message>
      <source>规划认定结果</source>
      <translation>Determination results</translation>
    </message>
    <message>
      <source>规划认定结果（规划认定的输出）</source>
      <translation>Planning determination results (output of the planning determination)</translation>
    </message>
    <message>
      <source>规则 {id}</source>
      <translation>rule {id}</translation>
    </message>
    <message>
      <source>规则文件</source>
      <translation>Rule file</translation>
    </message>
    <message>
      <source>规则文件 {path}：{where}：{message}</source>
      <translation>Rule file {path}: {where}: {message}</translation>
    </message>
    <message>
      <source>规则文件（留空用默认规则）</source>
      <translation>Rule file (empty = default rules)</translation>
    </message>
    <message>
      <source>规则文件：{path}（{n} 条规则）</source>
      <translation>Rule file: {path} ({n} rules)</translation>
    </message>
    <message>
      <source>认定</source>
      <translation>Determination</translation>
    </message>
    <message>
      <source>认定不属于违法并办结</source>
      <translation>Not a violation, closed</translation>
    </message>
    <message>
      <source>认定不属于违法用地违法建设</source>
      <translation>Determined as not illegal land use or construction</translation>
    </message>
    <message>
      <source>认定不属于违法（快速认定→办结）</source>
      <translation>Determined as not a violation (quick determination → closed)</translation>
    </message>
    <message>
      <source>认定代码</source>
      <translation>Determination code</translation>
    </message>
    <message>
      <source>认定意见</source>
      <translation>Determination</translation>
    </message>
    <message>
      <source>认定期限</source>
      <translation>Determination deadline</translation>
    </message>
    <message>
      <source>认定规则</source>
      <translation>Determination rule</translation>
    </message>
    <message>
      <source>记入台账（标记效能问责并写入历史）</source>
      <translation>Record in the register (flag for performance accountability and write to history)</translation>
    </message>
    <message>
      <source>记录时间</source>
      <translation>Recorded at</translation>
    </message>
    <message>
      <source>设置/帮助</source>
      <translation>Settings / Help</translation>
    </message>
    <message>
      <source>设置…</source>
      <translation>Settings…</translation>
    </message>
    <message>
      <source>说明</source>
      <translation>Note</translation>
    </message>
    <message>
      <source>说明（认定不属于违法时须填写证明）</source>
      <translation>Note (state the evidence when determining "not a violation")</translation>
    </message>
    <message>
      <source>请先在列表中选择案件</source>
      <translation>Select a case in the list first.</translation>
    </message>
    <message>
      <source>请填写处置人（谁办理的这一步）</source>
      <translation>Please enter who handled this step</translation>
    </message>
    <message>
      <source>请填写巡查人员：网格日报（含零报告）须写明报告人</source>
      <translation>Enter the patrol officer: a daily grid report (zero reports included) must name who reports</translation>
    </message>
    <message>
      <source>请填写案件编号或监测编号</source>
      <translation>Enter a case number or patch id</translation>
    </message>
    <message>
      <source>请填写网格单元编码</source>
      <translation>Enter the grid unit code</translation>
    </message>
    <message>
      <source>请填写要作废的文书编号</source>
      <translation>Enter the document number to void</translation>
    </message>
    <message>
      <source>请指定案件台账（.gpkg 文件路径、PostgreSQL 连接串或连接名）</source>
      <translation>Please specify the case register (.gpkg file path, PostgreSQL connection string or connection name).</translation>
    </message>
    <message>
      <source>读取图斑图层「{layer}」…</source>
      <translation>Reading patch layer "{layer}"…</translation>
    </message>
    <message>
      <source>读取地类图层「{layer}」（只保留与图斑相交范围内的要素）…</source>
      <translation>Reading land-use layer "{layer}" (only features within the patch extent)…</translation>
    </message>
    <message>
      <source>责令限期整改通知书合并 PDF</source>
      <translation>Rectification notices, merged PDF</translation>
    </message>
    <message>
      <source>责令限期整改通知书文件夹</source>
      <translation>Rectification notice folder</translation>
    </message>
    <message>
      <source>责任单位</source>
      <translation>Responsible department</translation>
    </message>
    <message>
      <source>责任部门</source>
      <translation>Responsible department</translation>
    </message>
    <message>
      <source>超期</source>
      <translation>Overdue</translation>
    </message>
    <message>
      <source>超期{n}天（{role}）</source>
      <translation>{n} days overdue ({role})</translation>
    </message>
    <message>
      <source>超期案件</source>
      <translation>Overdue cases</translation>
    </message>
    <message>
      <source>超期案件数</source>
      <translation>Overdue cases</translation>
    </message>
    <message>
      <source>超期：{stage}阶段期限 {due}，责任角色 {role}</source>
      <translation>Overdue: {stage} stage deadline {due}, responsible role {role}</translation>
    </message>
    <message>
      <source>输入图层</source>
      <translation>Input layer</translation>
    </message>
    <message>
      <source>输入字段「{field}」与结果字段同名，输出中以结果字段为准</source>
      <translation>Input field "{field}" has the same name as a result field; the output keeps the result field.</translation>
    </message>
    <message>
      <source>输入已含规划认定字段，将按当前规则重新认定并覆盖。</source>
      <translation>The input already has determination fields; they will be recalculated with the current rules and overwritten.</translation>
    </message>
    <message>
      <source>输入监测编号（或其末几位）后回车</source>
      <translation>Type a monitoring number (or its last digits), then Enter</translation>
    </message>
    <message>
      <source>输出「{label}」{dest}写入第 {n} 条要素时失败（{error}）{free}；输出未保存，请检查磁盘空间与写入权限后重新运行。</source>
      <translation>Output "{label}" {dest}: writing feature {n} failed ({error}){free}; the output was not saved. Check the disk space and write permissions, then run again.</translation>
    </message>
    <message>
      <source>输出「{what}」未能完整写入 {dest}：应有 {wrote} 条要素，文件中{found}{free}。多半是磁盘已满；输出未保存（原有文件未改动），请清理磁盘或改选其他位置后重新运行。</source>
      <translation>Output "{what}" was not completely written to {dest}: {wrote} features expected, the file has {found}{free}. Most likely the disk is full; the output was not saved (an existing file was left unchanged). Free some disk space or choose another location, then run again.</translation>
    </message>
    <message>
      <source>输出「{what}」（参数 {name}）：{msg}</source>
      <translation>Output "{what}" (parameter {name}): {msg}</translation>
    </message>
    <message>
      <source>输出文件夹</source>
      <translation>Output folder</translation>
    </message>
    <message>
      <source>输出文件夹：</source>
      <translation>Output folder: </translation>
    </message>
    <message>
      <source>输出规划认定意见书…</source>
      <translation>Export Planning Opinion Reports…</translation>
    </message>
    <message>
      <source>输出规划认定意见书（PDF）</source>
      <translation>Export planning opinion reports (PDF)</translation>
    </message>
    <message>
      <source>输出责令限期整改通知书…</source>
      <translation>Export Rectification Notices…</translation>
    </message>
    <message>
      <source>输出责令限期整改通知书（PDF）</source>
      <translation>Export rectification notices (PDF)</translation>
    </message>
    <message>
      <source>运算符 {op} 需要列表取值，如 ["a", "b"]</source>
      <translation>operator {op} needs a list value, e.g. ["a", "b"]</translation>
    </message>
    <message>
      <source>运算符 {op} 需要数字取值</source>
      <translation>operator {op} needs a numeric value</translation>
    </message>
    <message>
      <source>运算符 {op} 需要文字或文字列表</source>
      <translation>operator {op} needs a text or a list of texts</translation>
    </message>
    <message>
      <source>违法占耕比统计</source>
      <translation>Illegal farmland occupation ratio</translation>
    </message>
    <message>
      <source>违法占耕比统计…</source>
      <translation>Illegal Farmland Occupation Ratio…</translation>
    </message>
    <message>
      <source>违法占耕比统计表</source>
      <translation>Illegal farmland occupation ratio table</translation>
    </message>
    <message>
      <source>违法占耕比阈值（%）</source>
      <translation>Illegal farmland occupation ratio threshold (%)</translation>
    </message>
    <message>
      <source>违法认定必须写明有权责令改正的部门（default）</source>
      <translation>a violation must name the department competent to order (default)</translation>
    </message>
    <message>
      <source>违法认定必须写明条文（default）</source>
      <translation>a violation must name its provisions (default)</translation>
    </message>
    <message>
      <source>违法认定必须写明法律依据</source>
      <translation>a violation determination must state its legal basis</translation>
    </message>
    <message>
      <source>送达人</source>
      <translation>Served by</translation>
    </message>
    <message>
      <source>送达方式</source>
      <translation>Method of service</translation>
    </message>
    <message>
      <source>送达日期</source>
      <translation>Date of service</translation>
    </message>
    <message>
      <source>送达日期 {day} 晚于今天</source>
      <translation>The date of service {day} is after today</translation>
    </message>
    <message>
      <source>送达日期（yyyy-mm-dd，空为今天）</source>
      <translation>Date of service (yyyy-mm-dd, empty: today)</translation>
    </message>
    <message>
      <source>送达的文书</source>
      <translation>Document served</translation>
    </message>
    <message>
      <source>选择一张图数据目录</source>
      <translation>Choose One-Map Data Catalogue</translation>
    </message>
    <message>
      <source>选择工作文件夹</source>
      <translation>Choose the working folder</translation>
    </message>
    <message>
      <source>选择本局的文书配置文件</source>
      <translation>Choose the bureau's document configuration file</translation>
    </message>
    <message>
      <source>逐个监测图斑计算其占用的各地类面积（三调地类图斑，按地类编码）和各保护/规划图层面积，输出平方米和亩（1亩 = 10000/15 平方米）。
默认按 CGCS2000 椭球计算椭球面积（测地线多边形面积，与 QGIS 设置椭球后的面积一致）；也可选择图层投影坐标系下的平面面积。每条结果记录所用方法（area_method）。
其他坐标系的图层自动投影；无效几何用 make_valid 修复（保留全部面状部分）并逐图斑记录（repaired、repair_note）；空几何保留并按 0 计；重复编号全部保留，后出现者加“#序号”。
输出：图斑（原字段 + 面积汇总字段，每个保护图层一个“图层名_m2”字段）和明细表（每图斑 × 图层 × 地类一行：patch_id、layer、class_code、class_name、area_m2、area_mu、share）。仅边界接触（面积为 0）的不产生明细行。</source>
      <translation>For each monitoring patch, calculates the area it occupies of each land-use class (third national land survey parcels, by land-use code) and of each protected area / planning layer, in m² and mu (1 mu = 10000/15 m²).
Areas are ellipsoidal on the CGCS2000 ellipsoid by default (geodesic polygon area, the same as QGIS with an ellipsoid set); planar areas in the layer's projected CRS can be chosen instead. Every result records the method used (area_method).
Layers in other CRSs are reprojected on the fly; invalid geometries are repaired with make_valid (all polygon parts kept) and recorded per patch (repaired, repair_note); empty geometries are kept and counted as 0; duplicate numbers are all kept, later ones get a "#n" suffix.
Outputs: the patches (original fields + area summary fields, one "LayerName_m2" field per protected layer, e.g. 生态保护红线_m2) and a detail table (one row per patch × layer × land-use class: patch_id, layer, class_code, class_name, area_m2, area_mu, share). Patches that only touch a boundary (area 0) get no detail rows.</translation>
    </message>
    <message>
      <source>通知书份数</source>
      <translation>Rectification notices</translation>
    </message>
    <message>
      <source>部门名称不能含“、”</source>
      <translation>department names must not contain "、"</translation>
    </message>
    <message>
      <source>部门名称必须是非空文字</source>
      <translation>department names must be non-empty text</translation>
    </message>
    <message>
      <source>部门路由 {d}</source>
      <translation>department routing {d}</translation>
    </message>
    <message>
      <source>问责事由</source>
      <translation>Accountability reason</translation>
    </message>
    <message>
      <source>问题来源</source>
      <translation>Case source</translation>
    </message>
    <message>
      <source>阶段开始</source>
      <translation>Stage started</translation>
    </message>
    <message>
      <source>阶段期限</source>
      <translation>Stage deadline</translation>
    </message>
    <message>
      <source>阶段责任角色</source>
      <translation>Stage responsible role</translation>
    </message>
    <message>
      <source>限定乡镇</source>
      <translation>Township filter</translation>
    </message>
    <message>
      <source>随机种子</source>
      <translation>Random seed</translation>
    </message>
    <message>
      <source>零报告</source>
      <translation>zero report</translation>
    </message>
    <message>
      <source>面积(㎡)</source>
      <translation>Area (m²)</translation>
    </message>
    <message>
      <source>面积算法</source>
      <translation>Area method</translation>
    </message>
    <message>
      <source>面积计算方法</source>
      <translation>Area calculation method</translation>
    </message>
    <message>
      <source>顶层</source>
      <translation>top level</translation>
    </message>
    <message>
      <source>项目</source>
      <translation>Item</translation>
    </message>
    <message>
      <source>项目中至少需要两个栅格影像图层</source>
      <translation>The project needs at least two raster imagery layers.</translation>
    </message>
    <message>
      <source>项目中还没有{0}：请先运行“{1}”。</source>
      <translation>The project has no {0} yet: run “{1}” first.</translation>
    </message>
    <message>
      <source>（不填）</source>
      <translation>(none)</translation>
    </message>
    <message>
      <source>（仅显示前 {n} 件，请筛选）</source>
      <translation> (only the first {n} shown; narrow the filter)</translation>
    </message>
    <message>
      <source>（可改为输出 .csv 文件。）</source>
      <translation> (A .csv output works without it.)</translation>
    </message>
    <message>
      <source>（无）</source>
      <translation>(none)</translation>
    </message>
    <message>
      <source>（未填）</source>
      <translation>(not set)</translation>
    </message>
    <message>
      <source>（没有图斑）</source>
      <translation>(no patches)</translation>
    </message>
    <message>
      <source>（该磁盘剩余 {mb:.1f} MB）</source>
      <translation> ({mb:.1f} MB left on that disk)</translation>
    </message>
    <message>
      <source>（请检查输入、输出路径及磁盘空间）</source>
      <translation> (check the inputs, the output paths and the disk space)</translation>
    </message>
    <message>
      <source>（逾期）</source>
      <translation> (overdue)</translation>
    </message>
    <message>
      <source>：文件可能被其他程序占用、扩展名不受支持或路径含无效字符（{0}）。</source>
      <translation>: the file may be in use by another program, the extension is not supported, or the path contains invalid characters ({0}).</translation>
    </message>
    <message>
      <source>：该图层的叠加面积全部为 0。</source>
      <translation>: all overlay areas of that layer are 0.</translation>
    </message>
    <message>
      <source>：请检查两个图层的坐标参考系是否设置正确、是否选错了图层。</source>
      <translation>: check that both layers' CRSs are set correctly and that the right layers were chosen.</translation>
    </message>
  </context>
</TS>
