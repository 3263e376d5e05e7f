import { describe, expect, it } from 'vitest';
import { identifyingSignals } from '../../src/pages/identifying.ts';

// Issue 14: the warning before sending catches how people name someone in Korean and Polish, and
// stays quiet on ordinary comments (a warning on every other comment would teach people to ignore it).
const MUST_WARN: Array<[string, string]> = [
  ['name', '김철수 팀장님이 회의 때마다 소리를 질러요'],
  ['name', '박지민 과장이 업무를 몰아줘요'],
  ['name', '이 대리가 제 실적을 가져갔어요'],
  ['name', '어제 최민수팀장님한테 혼났어요'],
  ['name', '정하은 대리님 덕분에 버텼습니다'],
  ['name', '우리 팀장 김철수는 공정하지 않다'],
  ['name', '김 과장님은 휴가를 못 쓰게 해요'],
  ['employeeId', '사번 123456 인데 급여가 잘못 나왔어요'],
  ['employeeId', '제 사번은 A-204518 입니다'],
  ['name', 'kierownik Nowak nie odpowiada na maile'],
  ['name', 'Pani kierownik Kowalska krzyczy na zespół'],
  ['name', 'pan Wiśniewski z działu płac pomylił wypłatę'],
  ['name', 'Rozmawiałam z panem Kowalczykiem o grafiku'],
  ['name', 'Szefowa Zielińska faworyzuje niektóre osoby'],
  ['name', 'mój kierownik Łukasiewicz nie daje urlopu'],
  ['employeeId', 'Mój numer pracownika 123456, proszę o kontakt'],
  ['employeeId', 'nr pracownika: 98765'],
  ['employeeId', 'My employee ID 123456 was charged twice'],
  ['employeeId', 'employee number: 55512'],
  ['name', 'my manager John never listens'],
];

// Decided: a title on its own, in the plural or with "우리/our/nasz" but no name names nobody,
// so it does not warn ("팀장님들이 바쁘다", "우리 팀장님은 친절하다", "nasz kierownik").
const MUST_NOT_WARN = [
  '팀장님들이 바쁘다',
  '우리 팀장님은 친절하다',
  '팀장님이 휴가 중이라 결재가 늦어요',
  '과장님 회의가 너무 많아요',
  '전 팀장님이 더 좋았어요',
  '현 팀장 체제에서는 소통이 잘 돼요',
  '신입 사원 교육이 부족합니다',
  '이번 주 업무량이 너무 많았어요',
  '지난주 팀장 회의에서 결정된 내용이 공유되지 않았어요',
  '마케팅 팀장 자리가 오래 비어 있어요',
  '이 과장된 목표 때문에 다들 지쳤어요',
  '서비스 대표 번호로 전화가 너무 많이 와요',
  '고객 응대 후 쉴 시간이 필요합니다',
  '우리 팀장님 이야기를 들어 주셨으면 해요',
  '사번이 뭔지 모르겠어요',
  '콜센터 상담 시간이 8시간이 넘어요',
  'Kierownik zmiany zawsze pomaga.',
  'Pani z kadr szybko odpowiedziała.',
  'Nasz szef jest w porządku.',
  'Pan od IT naprawił komputer.',
  'Kierownik Działu Obsługi Klienta powinien częściej rozmawiać z zespołem.',
  'Dyrektor Generalny mógłby częściej odwiedzać oddziały.',
  'Dyrektor HR mógłby częściej odpowiadać.',
  'Szkolenie w Krakowie było bardzo dobre.',
  'Numer pracownika jest na identyfikatorze.',
  'Potrzebujemy więcej przerw między trudnymi rozmowami.',
  'The team lead is great, more breaks please.',
  'Our manager listens, but the workload is too high.',
  'We handled 120 calls per shift in March.',
];

describe('identifying-comment warnings', () => {
  for (const [signal, comment] of MUST_WARN) {
    it(`when a comment says "${comment}", then it warns of ${signal}`, () => {
      expect(identifyingSignals(comment)).toContain(signal);
    });
  }
  for (const comment of MUST_NOT_WARN) {
    it(`when a comment says "${comment}", then it does not warn`, () => {
      expect(identifyingSignals(comment)).toEqual([]);
    });
  }
});
