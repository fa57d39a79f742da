/**
 * 湖北省 administrative divisions used by the seed.
 *
 * Source: knowledge of the National Bureau of Statistics 统计用区划代码 /
 * GB/T 2260 county-level codes as of roughly 2023 (after 京山县→京山市 in 2018
 * and 监利县→监利市 in 2020), checked against a public crawl of the
 * 统计用区划代码 township table (modood/Administrative-divisions-of-China,
 * dist/streets.csv).
 *
 * What is exact:
 *   - Province, 13 市州, the 省直辖县级行政单位 group (429000) and all 103
 *     county-level units: real names and official 6-digit codes.
 *   - Township lists for 竹山县 (420323) and 江陵县 (421024): real names and
 *     9-digit 统计用区划代码 codes.
 * What is NOT included:
 *   - Statistics-only units that are not administrative divisions (e.g.
 *     421071 荆州经济技术开发区, 421171 龙感湖管理区, prisons, farms, 林场,
 *     development zones listed at township level).
 * What is approximate:
 *   - villageCount: a realistic figure for the number of 村/社区 under each
 *     township (totals ≈250 for 竹山县, ≈200 for 江陵县), NOT official.
 *   - knownVillages: intentionally empty; no real village names were known with
 *     enough confidence, so the seed generates clearly-labelled demo names.
 */

export interface RegionSeed {
  /** official administrative division code: 6 digits for province/city/county (e.g. '420323'), 9 digits for township (e.g. '420323100'); null when not known with confidence */
  code: string | null;
  name: string;
  children?: RegionSeed[];
}

export interface TownshipSeed extends RegionSeed {
  /** a realistic number of 村/社区 under this township (roughly what the real township has; total ~250 for 竹山县, ~200 for 江陵县 is about right). */
  villageCount: number;
  /** real village/community names you are confident of (may be empty or partial); the seed generates clearly-labelled demo names for the rest */
  knownVillages: string[];
}

const r = (code: string | null, name: string, children?: RegionSeed[]): RegionSeed =>
  children ? { code, name, children } : { code, name };

/** 湖北省 (420000) → 13 市州 + 省直辖县级行政单位 (429000) → 103 county-level divisions. */
export const HUBEI: RegionSeed = r('420000', '湖北省', [
  r('420100', '武汉市', [
    r('420102', '江岸区'),
    r('420103', '江汉区'),
    r('420104', '硚口区'),
    r('420105', '汉阳区'),
    r('420106', '武昌区'),
    r('420107', '青山区'),
    r('420111', '洪山区'),
    r('420112', '东西湖区'),
    r('420113', '汉南区'),
    r('420114', '蔡甸区'),
    r('420115', '江夏区'),
    r('420116', '黄陂区'),
    r('420117', '新洲区'),
  ]),
  r('420200', '黄石市', [
    r('420202', '黄石港区'),
    r('420203', '西塞山区'),
    r('420204', '下陆区'),
    r('420205', '铁山区'),
    r('420222', '阳新县'),
    r('420281', '大冶市'),
  ]),
  r('420300', '十堰市', [
    r('420302', '茅箭区'),
    r('420303', '张湾区'),
    r('420304', '郧阳区'),
    r('420322', '郧西县'),
    r('420323', '竹山县'),
    r('420324', '竹溪县'),
    r('420325', '房县'),
    r('420381', '丹江口市'),
  ]),
  r('420500', '宜昌市', [
    r('420502', '西陵区'),
    r('420503', '伍家岗区'),
    r('420504', '点军区'),
    r('420505', '猇亭区'),
    r('420506', '夷陵区'),
    r('420525', '远安县'),
    r('420526', '兴山县'),
    r('420527', '秭归县'),
    r('420528', '长阳土家族自治县'),
    r('420529', '五峰土家族自治县'),
    r('420581', '宜都市'),
    r('420582', '当阳市'),
    r('420583', '枝江市'),
  ]),
  r('420600', '襄阳市', [
    r('420602', '襄城区'),
    r('420606', '樊城区'),
    r('420607', '襄州区'),
    r('420624', '南漳县'),
    r('420625', '谷城县'),
    r('420626', '保康县'),
    r('420682', '老河口市'),
    r('420683', '枣阳市'),
    r('420684', '宜城市'),
  ]),
  r('420700', '鄂州市', [
    r('420702', '梁子湖区'),
    r('420703', '华容区'),
    r('420704', '鄂城区'),
  ]),
  r('420800', '荆门市', [
    r('420802', '东宝区'),
    r('420804', '掇刀区'),
    r('420822', '沙洋县'),
    r('420881', '钟祥市'),
    r('420882', '京山市'),
  ]),
  r('420900', '孝感市', [
    r('420902', '孝南区'),
    r('420921', '孝昌县'),
    r('420922', '大悟县'),
    r('420923', '云梦县'),
    r('420981', '应城市'),
    r('420982', '安陆市'),
    r('420984', '汉川市'),
  ]),
  r('421000', '荆州市', [
    r('421002', '沙市区'),
    r('421003', '荆州区'),
    r('421022', '公安县'),
    r('421024', '江陵县'),
    r('421081', '石首市'),
    r('421083', '洪湖市'),
    r('421087', '松滋市'),
    r('421088', '监利市'),
  ]),
  r('421100', '黄冈市', [
    r('421102', '黄州区'),
    r('421121', '团风县'),
    r('421122', '红安县'),
    r('421123', '罗田县'),
    r('421124', '英山县'),
    r('421125', '浠水县'),
    r('421126', '蕲春县'),
    r('421127', '黄梅县'),
    r('421181', '麻城市'),
    r('421182', '武穴市'),
  ]),
  r('421200', '咸宁市', [
    r('421202', '咸安区'),
    r('421221', '嘉鱼县'),
    r('421222', '通城县'),
    r('421223', '崇阳县'),
    r('421224', '通山县'),
    r('421281', '赤壁市'),
  ]),
  r('421300', '随州市', [
    r('421303', '曾都区'),
    r('421321', '随县'),
    r('421381', '广水市'),
  ]),
  r('422800', '恩施土家族苗族自治州', [
    r('422801', '恩施市'),
    r('422802', '利川市'),
    r('422822', '建始县'),
    r('422823', '巴东县'),
    r('422825', '宣恩县'),
    r('422826', '咸丰县'),
    r('422827', '来凤县'),
    r('422828', '鹤峰县'),
  ]),
  r('429000', '省直辖县级行政单位', [
    r('429004', '仙桃市'),
    r('429005', '潜江市'),
    r('429006', '天门市'),
    r('429021', '神农架林区'),
  ]),
]);

const t = (code: string | null, name: string, villageCount: number, knownVillages: string[] = []): TownshipSeed => ({
  code,
  name,
  villageCount,
  knownVillages,
});

/** Townships of 十堰市竹山县 (420323): 9 镇 + 8 乡. villageCount approximate (total ≈246). */
export const ZHUSHAN_TOWNSHIPS: TownshipSeed[] = [
  t('420323100', '城关镇', 25),
  t('420323101', '溢水镇', 16),
  t('420323102', '麻家渡镇', 21),
  t('420323103', '宝丰镇', 21),
  t('420323104', '擂鼓镇', 17),
  t('420323105', '秦古镇', 16),
  t('420323106', '得胜镇', 19),
  t('420323107', '上庸镇', 14),
  t('420323108', '官渡镇', 16),
  t('420323200', '潘口乡', 9),
  t('420323201', '竹坪乡', 13),
  t('420323202', '大庙乡', 11),
  t('420323203', '双台乡', 10),
  t('420323204', '楼台乡', 9),
  t('420323205', '文峰乡', 9),
  t('420323206', '深河乡', 11),
  t('420323207', '柳林乡', 9),
];

/**
 * Townships of 荆州市江陵县 (421024): 6 镇 + 2 乡 + 2 管理区. villageCount
 * approximate (total ≈202). 滩桥镇 is now coded under 421071 (荆州经济技术开发区)
 * and 421024450 江北监狱 is not a township, so neither is listed.
 */
export const JIANGLING_TOWNSHIPS: TownshipSeed[] = [
  t('421024100', '资市镇', 20),
  t('421024102', '熊河镇', 25),
  t('421024103', '白马寺镇', 28),
  t('421024104', '沙岗镇', 18),
  t('421024105', '普济镇', 22),
  t('421024106', '郝穴镇', 40),
  t('421024200', '马家寨乡', 18),
  t('421024201', '秦市乡', 17),
  t('421024500', '三湖管理区', 8),
  t('421024501', '六合垸管理区', 6),
];
